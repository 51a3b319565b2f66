import { SingleBar, Presets } from 'cli-progress';
import type { LabContext } from '../lab-context';

// Realistic names from many places — Unicode, apostrophes and hyphens included, as real customers have.
const FIRST = ['Zoë', 'Seán', 'Ólafur', 'Amélie', 'Mohammed', 'Aiyana', 'Björk', 'Chidi', 'Dmitri', 'Emeka', 'Fatima', 'Giulia', 'Hana', 'Ines', 'Jürgen', 'Kenji', 'Lucía', 'Mei', 'Nuno', 'Priya', 'Søren', 'Thandiwe', 'Wen', 'Yusuf'];
const LAST = ["O'Brien", 'Smith-Jones', 'García Márquez', 'Nguyễn', 'Müller', 'Okafor', 'Kowalski', 'da Silva', 'Björnsson', 'Tanaka', 'Haddad', 'MacLeod', "D'Angelo", 'Van der Berg', 'Ivanova', 'Al-Rashid'];
const PACKAGES = ['BAHAMA5NIGHT@COCOCLUB', 'ICELAND7NIGHT@BLUELAGOON', 'KYOTO4NIGHT@RYOKAN', 'SAFARI6NIGHT@SERENGETI', 'LISBON3NIGHT@ALFAMA'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

export function randomProposal(): object {
  const lastName = pick(LAST);
  // The same traveller (first name, last name, age) twice would be rejected (422): ages are distinct.
  const childAge = Math.floor(Math.random() * 12);
  const pax = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, (_, i) => ({
    firstName: pick(FIRST),
    lastName,
    age: i === 0 ? 25 + Math.floor(Math.random() * 50) : childAge + i,
  }));
  return { customerId: 1 + Math.floor(Math.random() * 3), packageId: pick(PACKAGES), pax, expiresInDays: 1 + Math.floor(Math.random() * 30) };
}

/** Creates `count` proposals through the command API at `rate` per second, with a progress bar. */
export async function load(lab: LabContext, count: number, rate: number): Promise<{ created: number; failed: number; seconds: number }> {
  const bar = new SingleBar({ format: 'load |{bar}| {value}/{total} proposals | {rate}/s | failed {failed}', hideCursor: true }, Presets.shades_classic);
  bar.start(count, 0, { rate: 0, failed: 0 });
  const started = Date.now();
  let created = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    // Open-loop pacing: request i is due at i/rate seconds, however long earlier ones take.
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const request = fetch(`${lab.url('command-api')}/proposals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(randomProposal()),
      signal: AbortSignal.timeout(10_000),
    })
      .then((res) => (res.status === 201 ? created++ : failed++))
      .catch(() => failed++)
      .then(() => {
        inFlight.delete(request);
        const seconds = (Date.now() - started) / 1000;
        bar.update(created + failed, { rate: Math.round((created + failed) / Math.max(seconds, 0.001)), failed });
      });
    inFlight.add(request);
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  bar.stop();
  return { created, failed, seconds: (Date.now() - started) / 1000 };
}
