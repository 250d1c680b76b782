/**
 * Qt's enums, with Qt's names and values. They live in the lowest layer that needs them (transport maps
 * Node errors onto SocketError); `api/enums` re-exports them.
 * @module
 */
export { CloseCode, Version } from '../codec/constants';

/** QAbstractSocket::SocketState. */
export enum SocketState {
  UnconnectedState = 0,
  HostLookupState = 1,
  ConnectingState = 2,
  ConnectedState = 3,
  BoundState = 4,
  ListeningState = 5,
  ClosingState = 6,
}

/** QAbstractSocket::SocketError. */
export enum SocketError {
  UnknownSocketError = -1,
  ConnectionRefusedError = 0,
  RemoteHostClosedError = 1,
  HostNotFoundError = 2,
  SocketAccessError = 3,
  SocketResourceError = 4,
  SocketTimeoutError = 5,
  DatagramTooLargeError = 6,
  NetworkError = 7,
  AddressInUseError = 8,
  SocketAddressNotAvailableError = 9,
  UnsupportedSocketOperationError = 10,
  UnfinishedSocketOperationError = 11,
  ProxyAuthenticationRequiredError = 12,
  SslHandshakeFailedError = 13,
  ProxyConnectionRefusedError = 14,
  ProxyConnectionClosedError = 15,
  ProxyConnectionTimeoutError = 16,
  ProxyNotFoundError = 17,
  ProxyProtocolError = 18,
  OperationError = 19,
  SslInternalError = 20,
  SslInvalidUserDataError = 21,
  TemporaryError = 22,
}

/** QAbstractSocket::PauseMode (flags). */
export enum PauseMode {
  PauseNever = 0x0,
  PauseOnSslErrors = 0x1,
}

/** QSslSocket::PeerVerifyMode: whether and how the peer's certificate is checked. */
export enum PeerVerifyMode {
  /** No certificate is requested (server) or checked (client). */
  VerifyNone = 0,
  /** A certificate is requested but its errors are not reported (default of servers). */
  QueryPeer = 1,
  /** A valid certificate is required; errors go through sslErrors. */
  VerifyPeer = 2,
  /** QueryPeer for servers, VerifyPeer for clients (the default). */
  AutoVerifyPeer = 3,
}

/** QWebSocketServer::SslMode. */
export enum SslMode {
  SecureMode = 0,
  NonSecureMode = 1,
}

/** QSsl::AlertLevel. */
export enum AlertLevel {
  Warning = 0,
  Fatal = 1,
  Unknown = 2,
}

/** QSsl::AlertType (TLS alert descriptions, RFC 8446 §6). */
export enum AlertType {
  CloseNotify = 0,
  UnexpectedMessage = 10,
  BadRecordMac = 20,
  RecordOverflow = 22,
  DecompressionFailure = 30,
  HandshakeFailure = 40,
  NoCertificate = 41,
  BadCertificate = 42,
  UnsupportedCertificate = 43,
  CertificateRevoked = 44,
  CertificateExpired = 45,
  CertificateUnknown = 46,
  IllegalParameter = 47,
  UnknownCa = 48,
  AccessDenied = 49,
  DecodeError = 50,
  DecryptError = 51,
  ExportRestriction = 60,
  ProtocolVersion = 70,
  InsufficientSecurity = 71,
  InternalError = 80,
  InappropriateFallback = 86,
  UserCancelled = 90,
  NoRenegotiation = 100,
  MissingExtension = 109,
  UnsupportedExtension = 110,
  CertificateUnobtainable = 111,
  UnrecognizedName = 112,
  BadCertificateStatusResponse = 113,
  BadCertificateHashValue = 114,
  UnknownPskIdentity = 115,
  CertificateRequired = 116,
  NoApplicationProtocol = 120,
  UnknownAlertMessage = 255,
}
