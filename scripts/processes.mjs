// @ts-check
// Pid files name processes that this project started. A pid is reused once its process has ended,
// so before signalling one the scripts check that it still runs the command they started.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/**
 * A running process's arguments, argv[0] first; undefined when no process has that pid.
 * @param {number} pid
 * @returns {string[] | undefined}
 */
function argvOf(pid) {
  try {
    // Linux: NUL-separated. Elsewhere (macOS) ps prints them space-separated: close enough for a check.
    if (existsSync('/proc')) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

/**
 * The pid in `pidFile` when that process still runs and `isOurs(its argv)`; otherwise undefined, and a
 * stale pid file is removed.
 * @param {string} pidFile @param {(argv: string[]) => boolean} isOurs
 */
export function ownedPid(pidFile, isOurs) {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const argv = Number.isInteger(pid) && pid > 0 ? argvOf(pid) : undefined;
  if (argv && isOurs(argv)) return pid;
  rmSync(pidFile, { force: true });
  return undefined;
}

/**
 * Signals the process of `pidFile` if it is still ours, then removes the file; false when there was none.
 * @param {string} pidFile @param {(argv: string[]) => boolean} isOurs @param {NodeJS.Signals} signal
 */
export function signalOwned(pidFile, isOurs, signal) {
  const pid = ownedPid(pidFile, isOurs);
  if (pid === undefined) return false;
  try {
    process.kill(pid, signal);
  } catch {
    // ended between the check and the signal
  }
  rmSync(pidFile, { force: true });
  return true;
}
