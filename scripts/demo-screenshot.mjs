// `npm run docs:screenshot`: the README's picture of `npm start`. Starts the demo server on a free
// port, opens its page in headless Chromium, presses the page's load button (200 connections,
// 10 messages/s each), echoes a few lines in the console, lets the charts run for 45 s and saves
// docs/demo.png. Needs dist/ (npm run build:ts) and Chromium (/usr/bin/chromium, see .ci/run).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CdpPage, headlessChromiumArgs } from './headless-chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { WebSocket } = require(join(root, 'dist/cjs/index.js'));
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const out = join(root, 'docs/demo.png');
const RUN_MS = 45000; // most of the charts' minute filled

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});

const profile = mkdtempSync(join(tmpdir(), 'qws-screenshot-'));
const server = spawn(process.execPath, [join(root, 'examples/demo-server.mjs')], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'inherit', 'inherit'] });
let browser = null;
try {
  await sleep(1000);
  const url = `http://127.0.0.1:${port}/`;
  browser = spawn(chromium, headlessChromiumArgs(profile, url, { devtools: true, width: 1280, height: 1000 }), { stdio: 'ignore', detached: true });
  const page = await CdpPage.open(WebSocket, profile, url);
  await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1000, deviceScaleFactor: 1, mobile: false });
  await page.evaluate(`document.getElementById('load-toggle').click(); document.getElementById('connect').click(); true`);
  await page.waitFor(`document.getElementById('status').textContent === 'connected'`);
  await page.evaluate(`(() => {
    const say = (t) => { document.getElementById('msg').value = t; document.getElementById('send').click(); };
    say('hello from headless Chromium'); say('héllo wörld € 😀 ✓');
    document.getElementById('msg').value = 'to everyone'; document.getElementById('broadcast').click();
    document.getElementById('binary').click();
    document.getElementById('msg').value = 'hello';
    return true; })()`);
  console.log(`demo-screenshot: load running, waiting ${RUN_MS / 1000} s for the charts`);
  await sleep(RUN_MS);
  const height = await page.evaluate("Math.ceil(document.querySelector('footer').getBoundingClientRect().bottom + 24)");
  await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height, deviceScaleFactor: 1, mobile: false });
  await sleep(300); // the charts redraw on resize
  writeFileSync(out, await page.screenshot());
  page.close();
  console.log(`demo-screenshot: wrote ${out}`);
} finally {
  if (browser !== null) process.kill(-browser.pid, 'SIGKILL');
  server.kill();
  rmSync(profile, { recursive: true, force: true });
}
