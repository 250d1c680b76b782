/**
 * qwebsocket: Qt 6's QWebSocket and QWebSocketServer for Node.js.
 * @module
 */
export { WebSocket, WebSocket as QWebSocket, type BufferPolicy } from './qt/WebSocket';
export { defaultMaskGenerator } from './qt/maskGenerator';
export { WebSocketServer, WebSocketServer as QWebSocketServer, type WebSocketServerSignals, type AttachOptions } from './qt/WebSocketServer';
export { CorsAuthenticator } from './qt/CorsAuthenticator';
export * from './qt/enums';
export { Authenticator, type HandshakeOptions, type MaskGenerator, type NetworkRequest, type WebSocketSignals } from './qt/types';
export { NetworkProxy, ProxyType } from './qt/networkProxy';
export type { SslConfiguration } from './transport/sslConfiguration';
export { SslError, SslErrorCode } from './qt/SslError';
export { PreSharedKeyAuthenticator } from './qt/PreSharedKeyAuthenticator';
export { clearTlsSessionCache } from './transport/tlsFlow';
export type { PerMessageDeflateOptions } from './protocol/permessageDeflate';
export { WebSocketError, InvalidArgumentError, InvalidStateError, HandshakeError, ProtocolError } from './errors';
export { codecImplementation } from './codec';
export { nativeStatus, type NativeStatus } from './transport/native/status';
export type { PubSubBroker, BrokerReceiver } from './core/broker';
export type { PublishOptions } from './core/topicHub';
export type { AttachableServer } from './core/upgradeRouter';
