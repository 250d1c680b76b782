/**
 * HTTP authentication with the WebSocket server (a 401 to the upgrade request), as Qt 6.6's
 * QWebSocket does it: the first request goes without credentials even when the URL has some;
 * on 401 the URL's credentials are tried, then whatever the authenticationRequired slot fills
 * in. Each retry is a new connection (ClientHandshake's `retry` hook). Basic and Digest.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ResponseHead } from '../protocol/handshake';
import { authorizationFor, chooseChallenge, isStale, parseChallenges, type Credentials } from '../protocol/httpAuth';
import { resourceName } from './clientHandshake';

/**
 * Asks the user for credentials (Qt's authenticationRequired), synchronously.
 * @returns the credentials filled in, or null when none were
 */
export type CredentialsPrompt = (realm: string) => Credentials | null;

/** Retries after 401 at most this many times per open(), whatever the slot does. */
export const MAX_AUTH_RETRIES = 3;

/** The user info of a URL (percent-decoded), or null when it has none. */
export function urlCredentials(url: URL): Credentials | null {
  if (url.username === '' && url.password === '') return null;
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { user: decode(url.username), password: decode(url.password) };
}

/**
 * Builds the `retry` hook for one open(): returns the Authorization header for the next attempt,
 * or null to fail (not a 401, no supported challenge, no new credentials). Credentials only
 * ever go to the URL's own server: the hook answers challenges of this handshake only.
 */
export function serverAuthRetry(url: URL, prompt: CredentialsPrompt): (response: ResponseHead, attempt: number) => ReadonlyArray<readonly [string, string]> | null {
  let fromUrl = urlCredentials(url);
  let sent: { creds: Credentials; scheme: string } | null = null;
  let retries = 0;
  return (response) => {
    if (response.status !== 401 || retries >= MAX_AUTH_RETRIES) return null;
    const challenge = chooseChallenge(parseChallenges(response.headers.get('www-authenticate') ?? ''));
    if (challenge === null) return null;
    let creds: Credentials;
    if (sent !== null && isStale(challenge)) {
      creds = sent.creds; // RFC 7616 §3.3: a new nonce, the same credentials
    } else if (fromUrl !== null) {
      creds = fromUrl;
      fromUrl = null; // tried once
    } else {
      const asked = prompt(challenge.params.get('realm') ?? '');
      if (asked === null) return null;
      // Qt: a slot that changes nothing ends the attempt
      if (sent !== null && sent.scheme === challenge.scheme && asked.user === sent.creds.user && asked.password === sent.creds.password) return null;
      creds = asked;
    }
    let value: string;
    try {
      value = authorizationFor(challenge, creds, { method: 'GET', uri: resourceName(url), cnonce: randomBytes(16).toString('hex') });
    } catch {
      return null; // a Basic user name with ':'
    }
    retries++;
    sent = { creds, scheme: challenge.scheme };
    return [['Authorization', value]];
  };
}
