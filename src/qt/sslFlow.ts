/**
 * Qt's certificate-error flow on top of the TLS step of transport/tlsFlow: which signals are
 * emitted in which order, when ignoreSslErrors() lets a connection go on, PauseOnSslErrors +
 * resume(), handshakeInterruptedOnError + continueInterruptedHandshake(), and the PSK and alert
 * signals. Used by WebSocket (client) and WebSocketServer (client certificates).
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CloseCode } from '../codec/constants';
import { PauseMode, type AlertLevel, type AlertType } from '../protocol/enums';
import type { TlsClientHooks, TlsVerifyFailure } from '../transport/tlsFlow';
import { effectiveVerifyMode, serverTlsOptions } from '../transport/tls';
import { TlsAcceptor } from '../transport/tlsServer';
import { PreSharedKeyAuthenticator } from './PreSharedKeyAuthenticator';
import { SslError } from './SslError';
import type { SslConfiguration } from '../transport/sslConfiguration';

/** Emits a TLS signal on a WebSocket or WebSocketServer (both have these signals). */
function emitOn(owner: EventEmitter, name: string, ...args: unknown[]): void {
  owner.emit(name, ...args);
}

/** Emits alertReceived / alertSent. */
export function emitAlert(owner: EventEmitter, received: boolean, level: AlertLevel, type: AlertType, description: string): void {
  emitOn(owner, received ? 'alertReceived' : 'alertSent', level, type, description);
}

/**
 * Asks the owner's preSharedKeyAuthenticationRequired slot for PSK credentials.
 * @returns the authenticator after the slot ran, or null when no key was set
 */
export function askPreSharedKey(owner: EventEmitter, hint: string, identity: string): PreSharedKeyAuthenticator | null {
  const auth = new PreSharedKeyAuthenticator(hint, identity);
  emitOn(owner, 'preSharedKeyAuthenticationRequired', auth);
  return auth.preSharedKey().length > 0 ? auth : null;
}

/**
 * The sslErrors list of a handshake, in Qt's order: the checks made after OpenSSL's
 * verification (host name, missing certificate) first, then every chain error in the order the
 * verify callback met them. peerVerifyError signals come in the other order (chain errors as
 * SSL_connect returns, then the host name), which is the order of `failures`.
 */
function sslErrorList(failures: readonly TlsVerifyFailure[], errors: readonly SslError[]): SslError[] {
  const identity = errors.filter((_e, i) => failures[i].stage === 'identity');
  return [...identity, ...errors.filter((_e, i) => failures[i].stage === 'chain')];
}

/**
 * The server side: client-certificate failures are reported (peerVerifyError each, then
 * sslErrors; or handshakeInterruptedOnError for chain errors when early reporting is on) and the
 * connection is refused — QWebSocketServer has no ignoreSslErrors.
 * @returns true when the connection may go on (no failures)
 */
export function serverAcceptsPeer(owner: EventEmitter, config: SslConfiguration, failures: readonly TlsVerifyFailure[]): boolean {
  if (failures.length === 0) return true;
  const errors = failures.map((f) => SslError.fromOpenSslCode(f.code, f.certificate));
  if (config.handshakeMustInterruptOnError === true) {
    const i = failures.findIndex((f) => f.stage === 'chain');
    if (i >= 0) {
      emitOn(owner, 'handshakeInterruptedOnError', errors[i]);
      return false;
    }
  }
  for (const e of errors) emitOn(owner, 'peerVerifyError', e);
  emitOn(owner, 'sslErrors', sslErrorList(failures, errors));
  return false;
}

/**
 * A client's flow state: what was ignored, the errors of the last handshake, a pending pause.
 * One per WebSocket; ignore settings persist across open() calls as in Qt.
 */
export class ClientSslFlow {
  #owner: EventEmitter;
  #pauseMode: () => PauseMode;
  #ignoreAll = false;
  #ignoreList: SslError[] = [];
  #errors: SslError[] = [];
  #continued = false;
  #resume: (() => void) | null = null;

  /**
   * @param owner the WebSocket whose signals are emitted
   * @param pauseMode reads the owner's current pause mode
   */
  constructor(owner: EventEmitter, pauseMode: () => PauseMode) {
    this.#owner = owner;
    this.#pauseMode = pauseMode;
  }

  /** ignoreSslErrors(): all errors (no argument), or exactly the listed ones (replaces the list). */
  ignoreSslErrors(errors?: readonly SslError[]): void {
    if (errors === undefined) this.#ignoreAll = true;
    else this.#ignoreList = [...errors];
  }

  /** Called from a handshakeInterruptedOnError slot: lets the handshake go on. */
  continueInterruptedHandshake(): void {
    this.#continued = true;
  }

  /** Continues a handshake paused after sslErrors (PauseOnSslErrors); no-op when not paused. */
  resume(): void {
    const r = this.#resume;
    this.#resume = null;
    r?.();
  }

  /** True while a handshake waits for resume(). */
  isPaused(): boolean {
    return this.#resume !== null;
  }

  /** The errors reported by the last sslErrors. */
  sslErrors(): SslError[] {
    return [...this.#errors];
  }

  /** Forgets the current handshake (abort or a new open); a pending pause ends. */
  reset(): void {
    this.#errors = [];
    this.resume();
  }

  /** Qt's verifyErrorsHaveBeenIgnored(). */
  #ignored(errors: readonly SslError[]): boolean {
    if (this.#ignoreAll) return true;
    if (this.#ignoreList.length === 0) return false;
    return errors.every((e) => this.#ignoreList.some((i) => i.equals(e)));
  }

  /**
   * The hooks for one connection attempt.
   * @param config the socket's SslConfiguration
   * @param sessionKey host:port of the WebSocket server
   */
  hooks(config: SslConfiguration, sessionKey: string): TlsClientHooks {
    const owner = this.#owner;
    const hooks: TlsClientHooks = {
      verifyMode: effectiveVerifyMode(config, false),
      verifyDepth: config.peerVerifyDepth ?? 0,
      verifyName: config.peerVerifyName,
      sessionKey: config.sessionReuse === false ? '' : sessionKey,
      verify: (failures, cancelled) => this.#verify(config, failures, cancelled),
      alert: (received, level, type, description) => emitAlert(owner, received, level, type, description),
    };
    // Node's default cipher list has no PSK suites; only a configuration naming them can
    // negotiate one, so only then is OpenSSL given a PSK callback (it would otherwise also be
    // asked on every TLS 1.3 handshake)
    if (/PSK/.test(config.ciphers ?? '') && owner.listenerCount('preSharedKeyAuthenticationRequired') > 0) {
      hooks.psk = (hint) => {
        const auth = askPreSharedKey(owner, hint ?? '', '');
        return auth === null ? null : { identity: auth.identity().toString('utf8'), psk: auth.preSharedKey() };
      };
    }
    return hooks;
  }

  async #verify(config: SslConfiguration, failures: readonly TlsVerifyFailure[], cancelled: () => boolean): Promise<string | null> {
    const errors = failures.map((f) => SslError.fromOpenSslCode(f.code, f.certificate));
    const list = sslErrorList(failures, errors);
    this.#errors = list;
    if (errors.length === 0) return null;
    const early = config.handshakeMustInterruptOnError === true;
    // Qt reports chain errors from OpenSSL's verify callback in early mode: the slot must call
    // continueInterruptedHandshake() or the handshake ends there; those errors are not reported
    // again by peerVerifyError but stay in the sslErrors list
    for (let i = 0; i < errors.length; i++) {
      if (early && failures[i].stage === 'chain') {
        this.#continued = false;
        emitOn(this.#owner, 'handshakeInterruptedOnError', errors[i]);
        if (cancelled()) return 'aborted';
        if (!this.#continued) return errors[i].errorString();
      } else {
        emitOn(this.#owner, 'peerVerifyError', errors[i]);
        if (cancelled()) return 'aborted';
      }
    }
    emitOn(this.#owner, 'sslErrors', [...list]);
    if (cancelled()) return 'aborted';
    if (this.#ignored(list)) return null;
    if ((this.#pauseMode() & PauseMode.PauseOnSslErrors) !== 0) {
      await new Promise<void>((resolve) => (this.#resume = resolve));
      if (cancelled()) return 'aborted';
      return this.#ignored(list) ? null : list[0].errorString();
    }
    // Qt fails the handshake with the first error of the list
    return list[0].errorString();
  }
}

/**
 * The TLS acceptor of a SecureMode server, wired to Qt's signals: client-certificate failures
 * through {@link serverAcceptsPeer}, PSK through preSharedKeyAuthenticationRequired (only when
 * the configured ciphers name PSK suites), a failed TLS handshake as alertSent/alertReceived
 * (when one is observable) and serverError(CloseCodeTlsHandshakeFailed).
 * @param owner the WebSocketServer
 * @param config its SslConfiguration
 * @param secured called with each verified TLS socket (and the TCP socket under it)
 * @throws Error when the certificate or key cannot be loaded
 */
export function serverTlsAcceptor(owner: EventEmitter, config: SslConfiguration, secured: (secure: TLSSocket, raw: Socket | null) => void): TlsAcceptor {
  const hint = config.preSharedKeyIdentityHint ?? '';
  const usePsk = /PSK/.test(config.ciphers ?? '');
  return new TlsAcceptor(serverTlsOptions(config), effectiveVerifyMode(config, true), config.peerVerifyDepth ?? 0, {
    verify: (failures) => serverAcceptsPeer(owner, config, failures),
    secured,
    failed: (_err, alert) => {
      if (alert !== null) emitAlert(owner, alert.received, alert.level, alert.type, alert.description);
      emitOn(owner, 'serverError', CloseCode.CloseCodeTlsHandshakeFailed);
    },
    psk: usePsk ? (identity) => askPreSharedKey(owner, hint, identity)?.preSharedKey() ?? null : undefined,
  });
}
