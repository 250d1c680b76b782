/**
 * From Qt's proxy setting to the transport's stream opener (transport/proxy), for
 * WebSocket.open(). DefaultProxy means the proxy the environment names (transport/proxyEnv).
 * @module
 */
import { SocketError } from '../protocol/enums';
import type { Credentials } from '../protocol/httpAuth';
import { StreamError, type StreamOpener } from '../transport/stream';
import { httpConnectOpener, socks5Opener, unsupportedProxyOpener, type ProxySpec } from '../transport/proxy';
import { proxyFromEnv } from '../transport/proxyEnv';
import { NetworkProxy, ProxyType } from './networkProxy';

/**
 * Asks for proxy credentials (the WebSocket emits proxyAuthenticationRequired).
 * @param proxy the proxy as the slot sees it (the setting, or one built from the environment)
 */
export type ProxyPrompt = (proxy: NetworkProxy, realm: string) => Credentials | null;

/**
 * The stream opener for `setting` when opening `url`; undefined to connect directly.
 * Caching proxy types (Qt's HttpCachingProxy, FtpCachingProxy) give an opener that fails with
 * UnsupportedSocketOperationError; so does an environment proxy URL of an unknown scheme.
 */
export function proxyOpenerFor(setting: NetworkProxy, url: URL, prompt: ProxyPrompt): StreamOpener | undefined {
  let spec: ProxySpec | null;
  let shown: NetworkProxy;
  switch (setting.type()) {
    case ProxyType.NoProxy:
      return undefined;
    case ProxyType.DefaultProxy:
      try {
        spec = proxyFromEnv(url);
      } catch (e) {
        const err = e instanceof StreamError ? e : new StreamError(SocketError.UnsupportedSocketOperationError, 'Invalid proxy setting in the environment');
        return () => Promise.reject(err);
      }
      if (spec === null) return undefined;
      shown = new NetworkProxy(spec.type === 'http' ? ProxyType.HttpProxy : ProxyType.Socks5Proxy, spec.host, spec.port, spec.credentials?.user ?? '', spec.credentials?.password ?? '');
      break;
    case ProxyType.HttpProxy:
    case ProxyType.Socks5Proxy: {
      const hasCreds = setting.user() !== '' || setting.password() !== '';
      spec = {
        type: setting.type() === ProxyType.HttpProxy ? 'http' : 'socks5',
        host: setting.hostName().replace(/^\[|\]$/g, ''),
        port: setting.port(),
        credentials: hasCreds ? { user: setting.user(), password: setting.password() } : null,
      };
      shown = setting;
      break;
    }
    default:
      return unsupportedProxyOpener(`Proxy type ${ProxyType[setting.type()] ?? setting.type()}`);
  }
  const ask = (_p: ProxySpec, realm: string): Credentials | null => prompt(shown, realm);
  return spec.type === 'http' ? httpConnectOpener(spec, ask) : socks5Opener(spec, ask);
}
