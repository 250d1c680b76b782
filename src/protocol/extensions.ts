/**
 * The Sec-WebSocket-Extensions header (RFC 6455 §9.1), parsed and built, sans I/O.
 *
 *     extension-list  = 1#extension
 *     extension       = extension-token *( ";" extension-param )
 *     extension-param = token [ "=" ( token | quoted-string ) ]
 *
 * A quoted-string value must be a token once unquoted (§9.1).
 * @module
 */

/** One extension of the list: its name and its parameters, in order (`true` for a bare name). */
export interface ExtensionEntry {
  name: string;
  params: Array<[string, string | true]>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `s` is an RFC 7230 token. */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/**
 * Parses a Sec-WebSocket-Extensions value (several header lines joined with ',').
 * Names are lower-cased (extension and parameter names are case-insensitive).
 * @returns the entries in order, or null when the value breaks the grammar
 */
export function parseExtensions(value: string): ExtensionEntry[] | null {
  const out: ExtensionEntry[] = [];
  let i = 0;
  const n = value.length;
  const ws = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const token = (): string => {
    const s = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(value[i])) i++;
    return value.slice(s, i);
  };
  for (;;) {
    ws();
    if (i < n && value[i] === ',') {
      // empty list elements are allowed by the #rule (RFC 7230 §7)
      i++;
      continue;
    }
    if (i >= n) break;
    const name = token();
    if (name === '') return null;
    const entry: ExtensionEntry = { name: name.toLowerCase(), params: [] };
    ws();
    while (i < n && value[i] === ';') {
      i++;
      ws();
      const key = token();
      if (key === '') return null;
      ws();
      let v: string | true = true;
      if (i < n && value[i] === '=') {
        i++;
        ws();
        if (value[i] === '"') {
          let s = '';
          i++;
          for (;;) {
            if (i >= n) return null;
            const c = value[i++];
            if (c === '"') break;
            if (c === '\\') {
              if (i >= n) return null;
              s += value[i++];
            } else s += c;
          }
          if (!isToken(s)) return null;
          v = s;
        } else {
          v = token();
          if (v === '') return null;
        }
        ws();
      }
      entry.params.push([key.toLowerCase(), v]);
    }
    out.push(entry);
    ws();
    if (i >= n) break;
    if (value[i] !== ',') return null;
    i++;
  }
  return out;
}

/** Builds one extension's header text: `name; a; b=1`. */
export function formatExtension(entry: ExtensionEntry): string {
  let s = entry.name;
  for (const [k, v] of entry.params) s += v === true ? `; ${k}` : `; ${k}=${v}`;
  return s;
}
