/** The page's stylesheet: large type and strong colours, because the page is shown on a projector. */
export const PAGE_STYLE = String.raw`
:root {
  --bg: #eef1f6; --card: #ffffff; --ink: #17202e; --muted: #5b6779; --line: #d5dbe5;
  --ok: #138a4a; --ok-bg: #e3f5ea; --warn: #b76e00; --warn-bg: #fff3dc; --bad: #c62828; --bad-bg: #fdecec;
  --idle: #8a94a6; --accent: #2457c5; --accent-2: #7a3fc4;
  --write: #2457c5; --outbox: #7a3fc4; --rabbit: #e8710a; --read: #138a4a;
}
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font-family: "Inter", "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; }
h1, h2, h3, h4 { margin: 0; font-weight: 700; }
small { font-weight: 400; color: var(--muted); }
.num, .big, td.n { font-variant-numeric: tabular-nums; }

.top { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 24px; align-items: center;
  padding: 14px 28px; background: #17202e; color: #fff; }
.top h1 { font-size: 1.55rem; letter-spacing: .01em; }
.top h1 span { font-weight: 400; color: #aeb9cc; }
.top .sub { color: #aeb9cc; font-size: .9rem; margin-top: 2px; }
.verdict { display: flex; align-items: baseline; gap: 16px; padding: 10px 20px; border-radius: 12px;
  background: #3a4456; font-size: 1.05rem; min-height: 56px; align-self: stretch; }
.verdict .state { font-size: 1.6rem; font-weight: 800; letter-spacing: .04em; white-space: nowrap; }
.verdict.in-sync { background: var(--ok); }
.verdict.catching-up { background: #d08800; }
.verdict.stuck { background: var(--bad); }
.verdict.offline { background: #5b6779; }
.clock { text-align: right; color: #aeb9cc; font-size: .9rem; line-height: 1.4; }
.clock b { color: #fff; font-size: 1.15rem; font-variant-numeric: tabular-nums; }

main { padding: 18px 28px 28px; display: grid; gap: 18px; }
main.stale .pipeline, main.stale .charts { opacity: .45; }

.pipeline { display: grid; grid-template-columns: minmax(0, 1fr) 44px minmax(0, 1fr) 44px minmax(0, 1.15fr) 44px minmax(0, 1.25fr); align-items: stretch; }
.stage { background: var(--card); border-radius: 14px; box-shadow: 0 1px 3px rgba(23,32,46,.12);
  border-top: 8px solid var(--c); padding: 14px 18px 16px; display: flex; flex-direction: column; gap: 8px; }
.stage.write { --c: var(--write); } .stage.outbox { --c: var(--outbox); }
.stage.rabbit { --c: var(--rabbit); } .stage.read { --c: var(--read); }
.stage > header { display: flex; flex-direction: column; gap: 8px; }
.stage h2 { font-size: 1.15rem; color: var(--c); text-transform: uppercase; letter-spacing: .06em; }
.stage h2 small { display: block; text-transform: none; letter-spacing: 0; font-size: .8rem; }
.apps { display: flex; gap: 6px; flex-wrap: wrap; }
.app { display: inline-flex; align-items: center; gap: 7px; font-size: .85rem; font-weight: 600; max-width: 100%;
  padding: 3px 10px; border-radius: 12px; background: #eef1f6; color: var(--muted); }
.app i { flex: none; width: 11px; height: 11px; border-radius: 50%; background: var(--idle); display: inline-block; }
.app.up { background: var(--ok-bg); color: var(--ok); } .app.up i { background: var(--ok); }
.app.down, .app.unreachable { background: var(--bad-bg); color: var(--bad); }
.app.down i, .app.unreachable i { background: var(--bad); box-shadow: 0 0 0 3px rgba(198,40,40,.25); }
.big { font-size: clamp(2.2rem, 3.4vw, 3.2rem); font-weight: 800; line-height: 1; display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.big small { font-size: .95rem; font-weight: 600; }
.rate { font-size: 1.15rem; font-weight: 700; color: var(--c); }
.na { color: var(--idle) !important; font-weight: 600; }
.big .na, .big.na { font-size: .75em; }
.alert { color: var(--bad) !important; }
.warn { color: var(--warn) !important; }
dl.facts { margin: 4px 0 0; display: grid; grid-template-columns: auto auto; gap: 3px 14px; font-size: .95rem;
  justify-content: start; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; font-weight: 700; font-variant-numeric: tabular-nums; }
.queues { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
.queue { border: 2px solid var(--line); border-radius: 10px; padding: 8px 4px; text-align: center; min-width: 0; }
.queue b { display: block; font-size: clamp(1.5rem, 2.6vw, 2.4rem); line-height: 1.05; font-variant-numeric: tabular-nums; }
.queue span { font-size: .78rem; color: var(--muted); font-weight: 600; }
.queue.busy { border-color: var(--rabbit); background: #fff4ea; }
.queue.bad { border-color: var(--bad); background: var(--bad-bg); } .queue.bad b { color: var(--bad); }

.arrow { display: flex; align-items: center; justify-content: center; }
.arrow svg { width: 40px; height: 40px; }
.arrow path { fill: none; stroke: #b8c1d1; stroke-width: 4; stroke-linecap: round; stroke-linejoin: round; }
.arrow .flow { stroke-dasharray: 4 8; animation: flow .6s linear infinite; opacity: 0; }
.arrow.flowing path { stroke: var(--accent); } .arrow.flowing .flow { opacity: 1; stroke: #fff; stroke-width: 2; }
@keyframes flow { to { stroke-dashoffset: -12; } }

.footnote { margin: -6px 2px 0; color: var(--muted); font-size: .82rem; }

.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.chart, .panel { background: var(--card); border-radius: 14px; box-shadow: 0 1px 3px rgba(23,32,46,.12); margin: 0; }
.chart { padding: 12px 16px 8px; }
.chart figcaption { display: flex; justify-content: space-between; align-items: baseline; font-weight: 700; font-size: 1.05rem; }
.chart figcaption b { font-size: 1.3rem; font-variant-numeric: tabular-nums; }
.chart svg { width: 100%; height: 170px; display: block; }
.chart .grid { stroke: #e3e8ef; stroke-width: 1; }
.chart .axis { fill: var(--muted); font-size: 12px; font-family: inherit; }
.chart .empty { fill: var(--idle); font-size: 15px; font-weight: 600; }

.lower { display: grid; grid-template-columns: 1.15fr 1fr 1.1fr; gap: 18px; align-items: start; }
.stack { display: grid; gap: 18px; min-width: 0; }
.action { display: grid; grid-template-columns: 150px 1fr; gap: 10px; align-items: center; padding: 8px 0; border-top: 1px solid #edf0f5; }
.action:first-of-type { border-top: 0; padding-top: 0; }
.action .what { font-weight: 700; font-size: .95rem; }
.action .what small { display: block; font-size: .78rem; }
.inline button { white-space: nowrap; }
.panel { padding: 14px 18px 16px; min-width: 0; }
.panel h3 { font-size: 1.1rem; margin-bottom: 10px; display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.panel h3 small { font-size: .8rem; }
.panel h4 { font-size: .95rem; margin: 12px 0 6px; }
.panel h4:first-of-type { margin-top: 0; }
label { display: block; font-size: .85rem; font-weight: 600; color: var(--muted); }
input, select, button { font: inherit; font-size: .95rem; }
input, select { width: 100%; padding: 6px 8px; border: 1.5px solid var(--line); border-radius: 8px; background: #fff; color: var(--ink); margin-top: 3px; }
input:focus, select:focus { outline: 3px solid rgba(36,87,197,.25); border-color: var(--accent); }
.row2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 10px; margin-bottom: 8px; }
.pax { display: grid; grid-template-columns: 1fr 1fr 64px 30px; gap: 6px; align-items: end; margin-bottom: 6px; }
.pax input { margin-top: 0; }
.pax-head { display: grid; grid-template-columns: 1fr 1fr 64px 30px; gap: 6px; font-size: .78rem; color: var(--muted); font-weight: 600; }
button { border: 0; border-radius: 8px; padding: 7px 14px; font-weight: 700; cursor: pointer; background: #e3e8f0; color: var(--ink); }
button:hover { filter: brightness(.95); }
button:disabled { opacity: .55; cursor: progress; }
button.primary { background: var(--accent); color: #fff; }
button.danger { background: var(--bad); color: #fff; }
button.violet { background: var(--accent-2); color: #fff; }
button.icon { padding: 6px 0; width: 30px; background: transparent; color: var(--muted); font-size: 1.1rem; }
.buttons { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 8px; }
.inline { display: flex; gap: 8px; align-items: center; }
.inline input, .inline select { margin-top: 0; }
.result { margin: 10px 0 0; font-size: .92rem; min-height: 1.3em; }
.result.ok { color: var(--ok); font-weight: 600; }
.result.error { color: var(--bad); font-weight: 600; }
.result ul { margin: 4px 0 0; padding-left: 18px; font-weight: 400; }
.log:empty { display: none; }
.log { list-style: none; margin: 12px 0 0; padding: 8px 0 0; border-top: 1px solid var(--line); font-size: .85rem; max-height: 150px; overflow: auto; }
.log li { padding: 2px 0; } .log time { color: var(--muted); margin-right: 6px; font-variant-numeric: tabular-nums; }
.log .error { color: var(--bad); }

table { width: 100%; border-collapse: collapse; font-size: .88rem; table-layout: fixed; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: .78rem; border-bottom: 1.5px solid var(--line); padding: 4px 6px; }
td { padding: 5px 6px; border-bottom: 1px solid #edf0f5; vertical-align: top; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.n, th.n { text-align: right; }
td.mono, .mono { font-family: "DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace; font-size: .82rem; }
tr.fresh td { background: #fff7d6; }
.empty-note { color: var(--muted); font-size: .92rem; padding: 10px 2px; margin: 0; }
.dlq-item { border: 1.5px solid #f3c4c4; background: #fff8f8; border-radius: 10px; padding: 8px 10px; margin-bottom: 8px; }
.dlq-item .reason { color: var(--bad); font-weight: 700; font-size: .95rem; }
.dlq-item .meta { color: var(--muted); font-size: .8rem; margin-top: 2px; }
.dlq-item pre { margin: 6px 0 0; white-space: pre-wrap; word-break: break-all; font-size: .78rem; color: #3b4658;
  background: #fff; border-radius: 6px; padding: 4px 6px; max-height: 4.2em; overflow: hidden; }
.scroll { max-height: 330px; overflow: auto; }

@media (max-width: 1350px) {
  .top .sub { display: none; }
  .verdict { font-size: .95rem; }
  .lower { grid-template-columns: 1fr 1fr; }
  .lower .stack { grid-row: span 2; }
}
@media (max-width: 1100px) {
  .pipeline { grid-template-columns: 1fr; }
  .arrow { transform: rotate(90deg); height: 40px; }
  .charts, .lower { grid-template-columns: 1fr; }
  .top { grid-template-columns: 1fr; }
}
`;
