/**
 * qwebsocket: Qt 6's QWebSocket and QWebSocketServer for Node.js.
 * @module
 */
export { WebSocket, WebSocket as QWebSocket, defaultMaskGenerator, type BufferPolicy } from './api/WebSocket';
export { WebSocketServer, WebSocketServer as QWebSocketServer, type WebSocketServerSignals, type AttachOptions } from './api/WebSocketServer';
export { CorsAuthenticator } from './api/CorsAuthenticator';
export * from './api/enums';
export { Authenticator, type HandshakeOptions, type MaskGenerator, type NetworkRequest, type WebSocketSignals } from './api/types';
export { NetworkProxy, ProxyType } from './api/networkProxy';
export type { SslConfiguration } from './api/sslConfiguration';
export { SslError, SslErrorCode } from './api/SslError';
export { PreSharedKeyAuthenticator } from './api/PreSharedKeyAuthenticator';
export { clearTlsSessionCache } from './transport/tlsFlow';
export type { PerMessageDeflateOptions } from './protocol/permessageDeflate';
export { WebSocketError, InvalidArgumentError, InvalidStateError, HandshakeError, ProtocolError } from './errors';
export { codecImplementation } from './codec';
export type { PubSubBroker, BrokerReceiver } from './core/broker';
export type { PublishOptions } from './core/topicHub';
