/**
 * Maps Node's socket error codes onto Qt's QAbstractSocket::SocketError.
 * @module
 */
import { SocketError } from '../protocol/enums';

const MAP: Record<string, SocketError> = {
  ECONNREFUSED: SocketError.ConnectionRefusedError,
  ECONNRESET: SocketError.RemoteHostClosedError,
  EPIPE: SocketError.RemoteHostClosedError,
  ENOTFOUND: SocketError.HostNotFoundError,
  EAI_AGAIN: SocketError.HostNotFoundError,
  EAI_FAIL: SocketError.HostNotFoundError,
  EAI_NONAME: SocketError.HostNotFoundError,
  ETIMEDOUT: SocketError.SocketTimeoutError,
  EACCES: SocketError.SocketAccessError,
  EPERM: SocketError.SocketAccessError,
  EMFILE: SocketError.SocketResourceError,
  ENFILE: SocketError.SocketResourceError,
  ENOBUFS: SocketError.SocketResourceError,
  EADDRINUSE: SocketError.AddressInUseError,
  EADDRNOTAVAIL: SocketError.SocketAddressNotAvailableError,
  ENETUNREACH: SocketError.NetworkError,
  EHOSTUNREACH: SocketError.NetworkError,
  ENETDOWN: SocketError.NetworkError,
};

/** Qt's SocketError for a Node error (by its `code`), NetworkError/UnknownSocketError otherwise. */
export function socketErrorOf(err: unknown): SocketError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code in MAP) return MAP[code];
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return SocketError.SslHandshakeFailedError;
    return SocketError.NetworkError;
  }
  return SocketError.UnknownSocketError;
}
