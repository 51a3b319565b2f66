// pm2's API starts an ecosystem given as an object, as its CLI does with an ecosystem file
// (lib/API.js: `start` passes an object to `_startJson`); its bundled types declare only the file path.
import 'pm2';

declare module 'pm2' {
  export function start(ecosystem: { apps: StartOptions[] }, errback: ErrProcCallback): void;
}
