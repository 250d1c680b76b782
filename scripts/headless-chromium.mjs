// Headless Chromium for the browser tests and the README screenshot: its argument list, and a
// minimal DevTools-protocol session over one of our own WebSocket clients (the caller passes the
// class, so tests use src/ and scripts use dist/).
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';

/**
 * Arguments for a headless Chromium that loads `url` with a throwaway profile and no background
 * traffic. `devtools: true` also opens the DevTools endpoint on a free loopback port (written to
 * `<profile>/DevToolsActivePort`, read by {@link CdpPage.open}).
 */
export function headlessChromiumArgs(profile, url, { devtools = false, width = 1280, height = 900 } = {}) {
  return [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-breakpad',
    '--disable-crash-reporter',
    `--window-size=${width},${height}`,
    `--user-data-dir=${profile}`,
    ...(devtools ? ['--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0'] : []),
    url,
  ];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET a JSON document from Chromium's DevTools HTTP endpoint. */
function getJson(url) {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`DevTools ${url}: ${e.message}`));
        }
      });
    }).on('error', reject);
  });
}

/** A DevTools-protocol session with one page of a headless Chromium. */
export class CdpPage {
  #ws;
  #nextId = 1;
  #pending = new Map();

  constructor(ws) {
    this.#ws = ws;
    ws.on('textMessageReceived', (text) => {
      const m = JSON.parse(text);
      const p = this.#pending.get(m.id);
      if (p === undefined) return; // an event: not subscribed to any
      this.#pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
    });
    ws.on('disconnected', () => {
      for (const p of this.#pending.values()) p.reject(new Error(`${p.method}: DevTools connection closed`));
      this.#pending.clear();
    });
  }

  /**
   * Waits (up to `timeoutMs`) for the Chromium started with `profile` to open its DevTools
   * endpoint and show a page whose URL starts with `urlPrefix`, connects to that page and waits
   * for it to finish loading.
   * `WebSocket` is qwebsocket's Qt-face client class.
   */
  static async open(WebSocket, profile, urlPrefix, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    const portFile = join(profile, 'DevToolsActivePort');
    let target;
    while (target === undefined) {
      if (Date.now() > deadline) throw new Error(`no Chromium page at ${urlPrefix} within ${timeoutMs} ms`);
      await sleep(100);
      if (!existsSync(portFile)) continue;
      const port = Number(readFileSync(portFile, 'utf8').split('\n')[0]);
      if (!port) continue;
      const list = await getJson(`http://127.0.0.1:${port}/json/list`).catch(() => []);
      target = list.find((t) => t.type === 'page' && t.url.startsWith(urlPrefix));
    }
    const ws = new WebSocket();
    ws.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024); // screenshots come as one base64 message
    await new Promise((resolve, reject) => {
      ws.once('connected', resolve);
      ws.once('errorOccurred', () => reject(new Error(`DevTools: ${ws.errorString()}`)));
      ws.open(target.webSocketDebuggerUrl);
    });
    const page = new CdpPage(ws);
    // the target is listed with its URL before the navigation commits: wait for the page itself
    await page.waitFor(`location.href.startsWith(${JSON.stringify(urlPrefix)}) && document.readyState === 'complete'`, Math.max(deadline - Date.now(), 1000));
    return page;
  }

  /** Sends one DevTools command and resolves with its result. */
  send(method, params = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      this.#ws.sendTextMessage(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates `expression` in the page and resolves with its (JSON-serialisable) value. */
  async evaluate(expression) {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Evaluates `expression` every 100 ms until it is truthy (or throws after `timeoutMs`). */
  async waitFor(expression, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate(expression))) {
      if (Date.now() > deadline) throw new Error(`the page never made true: ${expression}`);
      await sleep(100);
    }
  }

  /** A PNG of the whole page (not just the window) as a Buffer. */
  async screenshot() {
    const r = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(r.data, 'base64');
  }

  /** Closes the DevTools connection (the browser keeps running). */
  close() {
    this.#ws.close();
  }
}
