/**
 * TLS alerts (RFC 8446 §6) as far as Node lets them be seen. Node has no alert callback; what is
 * observable is the error a failed handshake or connection ends with:
 * - a FATAL alert RECEIVED from the peer: OpenSSL's error names it ("sslv3 alert bad
 *   certificate" — "ssl/tls alert bad certificate" from OpenSSL 3.5 —, "tlsv1 alert unknown
 *   ca", "tlsv13 alert certificate required", …; codes ERR_SSL_SSLV3_ALERT_* or
 *   ERR_SSL_SSL/TLS_ALERT_*, ERR_SSL_TLSV1_ALERT_*, ERR_SSL_TLSV13_ALERT_*) and its message
 *   ends with "SSL alert number N";
 * - a FATAL alert SENT by our OpenSSL because the handshake failed locally, for the errors whose
 *   alert OpenSSL fixes: no shared cipher → handshake_failure, unsupported protocol / wrong
 *   version → protocol_version, missing certificate → certificate_required (TLS 1.3) or
 *   handshake_failure, unknown PSK identity → unknown_psk_identity, no ALPN match →
 *   no_application_protocol, bad record MAC → bad_record_mac.
 * Warning alerts and close_notify are not observable.
 *
 * Descriptions are Qt's: OpenSSL's SSL_alert_desc_string_long names ("protocol version",
 * "certificate required"), not the reason text of the error ("tlsv1 alert protocol version").
 * @module
 */
import { AlertLevel, AlertType } from '../protocol/enums';

/** One alert derived from an error. */
export interface TlsAlert {
  /** True when the peer sent it, false when our side sent it. */
  received: boolean;
  level: AlertLevel;
  type: AlertType;
  description: string;
}

/** Local OpenSSL failures (by Node code) and the alert OpenSSL sends for them. */
const SENT: Readonly<Record<string, AlertType>> = {
  ERR_SSL_NO_SHARED_CIPHER: AlertType.HandshakeFailure,
  ERR_SSL_UNSUPPORTED_PROTOCOL: AlertType.ProtocolVersion,
  ERR_SSL_WRONG_VERSION_NUMBER: AlertType.ProtocolVersion,
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: AlertType.CertificateRequired,
  ERR_SSL_PSK_IDENTITY_NOT_FOUND: AlertType.UnknownPskIdentity,
  ERR_SSL_NO_APPLICATION_PROTOCOL: AlertType.NoApplicationProtocol,
  ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: AlertType.BadRecordMac,
  ERR_SSL_BAD_RECORD_MAC: AlertType.BadRecordMac,
  ERR_SSL_UNEXPECTED_MESSAGE: AlertType.UnexpectedMessage,
  ERR_SSL_RECORD_LENGTH_MISMATCH: AlertType.DecodeError,
  ERR_SSL_LENGTH_MISMATCH: AlertType.DecodeError,
  ERR_SSL_BAD_KEY_SHARE: AlertType.IllegalParameter,
  ERR_SSL_INAPPROPRIATE_FALLBACK: AlertType.InappropriateFallback,
};

/** SSL_alert_desc_string_long's name of each alert, which Qt passes on as the description. */
const DESCRIPTIONS: Readonly<Partial<Record<AlertType, string>>> = {
  [AlertType.CloseNotify]: 'close notify',
  // sic: OpenSSL spells this one with an underscore
  [AlertType.UnexpectedMessage]: 'unexpected_message',
  [AlertType.BadRecordMac]: 'bad record mac',
  [AlertType.RecordOverflow]: 'record overflow',
  [AlertType.DecompressionFailure]: 'decompression failure',
  [AlertType.HandshakeFailure]: 'handshake failure',
  [AlertType.NoCertificate]: 'no certificate',
  [AlertType.BadCertificate]: 'bad certificate',
  [AlertType.UnsupportedCertificate]: 'unsupported certificate',
  [AlertType.CertificateRevoked]: 'certificate revoked',
  [AlertType.CertificateExpired]: 'certificate expired',
  [AlertType.CertificateUnknown]: 'certificate unknown',
  [AlertType.IllegalParameter]: 'illegal parameter',
  [AlertType.UnknownCa]: 'unknown CA',
  [AlertType.AccessDenied]: 'access denied',
  [AlertType.DecodeError]: 'decode error',
  [AlertType.DecryptError]: 'decrypt error',
  [AlertType.ExportRestriction]: 'export restriction',
  [AlertType.ProtocolVersion]: 'protocol version',
  [AlertType.InsufficientSecurity]: 'insufficient security',
  [AlertType.InternalError]: 'internal error',
  [AlertType.InappropriateFallback]: 'inappropriate fallback',
  [AlertType.UserCancelled]: 'user canceled',
  [AlertType.NoRenegotiation]: 'no renegotiation',
  [AlertType.MissingExtension]: 'missing extension',
  [AlertType.UnsupportedExtension]: 'unsupported extension',
  [AlertType.CertificateUnobtainable]: 'certificate unobtainable',
  [AlertType.UnrecognizedName]: 'unrecognized name',
  [AlertType.BadCertificateStatusResponse]: 'bad certificate status response',
  [AlertType.BadCertificateHashValue]: 'bad certificate hash value',
  [AlertType.UnknownPskIdentity]: 'unknown PSK identity',
  [AlertType.CertificateRequired]: 'certificate required',
  [AlertType.NoApplicationProtocol]: 'no application protocol',
};

/** Qt's description of an alert type ('unknown' for types OpenSSL has no name for). */
export function alertDescription(type: AlertType): string {
  return DESCRIPTIONS[type] ?? 'unknown';
}

/** True for an error raised by OpenSSL (a TLS failure), false for socket errors. */
export function isTlsError(err: unknown): boolean {
  const e = err as { code?: unknown; library?: unknown } | null;
  return (typeof e?.code === 'string' && e.code.startsWith('ERR_SSL_')) || e?.library === 'SSL routines';
}

/**
 * A TLS error's text without OpenSSL's decoration: its reason ("sslv3 alert handshake
 * failure") rather than the message with error codes, function names and source paths. The
 * whole error stays available as the `cause` of what is reported.
 */
export function tlsErrorText(err: unknown): string {
  const e = err as { reason?: unknown; message?: unknown; library?: unknown } | null;
  if (typeof e?.reason === 'string' && e.reason !== '') {
    // outside the TLS protocol itself the library says what was wrong ("DECODER routines")
    return typeof e.library === 'string' && e.library !== 'SSL routines' ? `${e.reason} (${e.library})` : e.reason;
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  // "error:0A000410:SSL routines:ssl3_read_bytes:<reason>:../ssl/record/rec_layer_s3.c:1605:…"
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(message);
  return m !== null ? m[1] : message;
}

/** AlertType by its upper-snake name ('BAD_CERTIFICATE' → BadCertificate). */
function alertByName(name: string): AlertType | undefined {
  const camel = name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const v = (AlertType as unknown as Record<string, unknown>)[camel];
  return typeof v === 'number' ? (v as AlertType) : undefined;
}

/** The alert a TLS error shows, or null when it shows none. */
export function tlsAlertOf(err: unknown): TlsAlert | null {
  const e = err as { code?: unknown; message?: unknown; reason?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  // OpenSSL 3.5 names the SSL 3 / TLS 1.2 alerts ERR_SSL_SSL/TLS_ALERT_* (earlier: ERR_SSL_SSLV3_ALERT_*)
  const received = /^ERR_SSL_(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  const number = /SSL alert number (\d+)/.exec(message);
  if (received !== null || number !== null) {
    let type: AlertType | undefined = number !== null ? Number(number[1]) : undefined;
    if (type === undefined || AlertType[type] === undefined) type = received !== null ? alertByName(received[1]) : undefined;
    const t = type ?? AlertType.UnknownAlertMessage;
    return { received: true, level: AlertLevel.Fatal, type: t, description: alertDescription(t) };
  }
  const sent = SENT[code];
  if (sent !== undefined) return { received: false, level: AlertLevel.Fatal, type: sent, description: alertDescription(sent) };
  return null;
}
