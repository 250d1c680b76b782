/**
 * QNetworkProxy for the client. Behaviour (CONNECT, SOCKS5, environment) lives in the transport.
 * @module
 */

/** QNetworkProxy::ProxyType. */
export enum ProxyType {
  DefaultProxy = 0,
  Socks5Proxy = 1,
  NoProxy = 2,
  HttpProxy = 3,
  HttpCachingProxy = 4,
  FtpCachingProxy = 5,
}

/** QNetworkProxy: how (and through what) the client reaches its server. */
export class NetworkProxy {
  #type: ProxyType;
  #host: string;
  #port: number;
  #user: string;
  #password: string;

  constructor(type: ProxyType = ProxyType.DefaultProxy, hostName = '', port = 0, user = '', password = '') {
    this.#type = type;
    this.#host = hostName;
    this.#port = port;
    this.#user = user;
    this.#password = password;
  }

  type(): ProxyType {
    return this.#type;
  }
  setType(type: ProxyType): void {
    this.#type = type;
  }
  hostName(): string {
    return this.#host;
  }
  setHostName(host: string): void {
    this.#host = host;
  }
  port(): number {
    return this.#port;
  }
  setPort(port: number): void {
    this.#port = port;
  }
  user(): string {
    return this.#user;
  }
  setUser(user: string): void {
    this.#user = user;
  }
  password(): string {
    return this.#password;
  }
  setPassword(password: string): void {
    this.#password = password;
  }
}
