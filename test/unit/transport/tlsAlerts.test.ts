/** Alerts derived from the errors OpenSSL reports through Node (see src/transport/tlsAlerts). */
import { describe, expect, it } from 'vitest';
import { alertDescription, isTlsError, tlsAlertOf, tlsErrorText } from '../../../src/transport/tlsAlerts';
import { AlertLevel, AlertType } from '../../../src/protocol/enums';

const err = (code: string, message: string, reason = ''): Error => Object.assign(new Error(message), { code, reason });

describe('tlsAlertOf', () => {
  it('a received alert: by "SSL alert number N"', () => {
    const a = tlsAlertOf(err('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1605:SSL alert number 70', 'tlsv1 alert protocol version'));
    // Qt's description is OpenSSL's alert name, not the error's reason text
    expect(a).toEqual({ received: true, level: AlertLevel.Fatal, type: AlertType.ProtocolVersion, description: 'protocol version' });
  });
  it('a received alert: by the code when the number is missing', () => {
    expect(tlsAlertOf(err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate'))?.type).toBe(AlertType.BadCertificate);
    // OpenSSL 3.5's name for the SSL 3 / TLS 1.2 alerts
    expect(tlsAlertOf(err('ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', 'ssl/tls alert handshake failure'))?.type).toBe(AlertType.HandshakeFailure);
    expect(tlsAlertOf(err('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca'))?.type).toBe(AlertType.UnknownCa);
    expect(tlsAlertOf(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'x'))?.type).toBe(AlertType.CertificateRequired);
    expect(tlsAlertOf(err('ERR_SSL_TLSV1_ALERT_DECRYPTION_FAILED', 'x'))?.type).toBe(AlertType.UnknownAlertMessage);
  });
  it('a sent alert for local failures whose alert OpenSSL fixes', () => {
    expect(tlsAlertOf(err('ERR_SSL_NO_SHARED_CIPHER', 'no shared cipher'))).toMatchObject({ received: false, level: AlertLevel.Fatal, type: AlertType.HandshakeFailure });
    expect(tlsAlertOf(err('ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol'))?.type).toBe(AlertType.ProtocolVersion);
    expect(tlsAlertOf(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'))?.received).toBe(false);
  });
  it('no alert for other errors', () => {
    expect(tlsAlertOf(err('ECONNRESET', 'socket hang up'))).toBeNull();
    expect(tlsAlertOf(new Error('plain'))).toBeNull();
    expect(tlsAlertOf(null)).toBeNull();
  });
});

describe('alertDescription', () => {
  it("gives OpenSSL's long alert names, as Qt does", () => {
    expect(alertDescription(AlertType.CertificateRequired)).toBe('certificate required');
    expect(alertDescription(AlertType.UnknownCa)).toBe('unknown CA');
    expect(alertDescription(AlertType.UnknownPskIdentity)).toBe('unknown PSK identity');
    expect(alertDescription(AlertType.UnexpectedMessage)).toBe('unexpected_message');
    expect(alertDescription(AlertType.UnknownAlertMessage)).toBe('unknown');
  });
  it('describes sent alerts the same way', () => {
    expect(tlsAlertOf(err('ERR_SSL_NO_SHARED_CIPHER', 'no shared cipher'))?.description).toBe('handshake failure');
  });
});

describe('tlsErrorText / isTlsError', () => {
  const raw = 'C0F7B1F7A97F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 40';
  it('keeps only the reason of an OpenSSL error', () => {
    expect(tlsErrorText(Object.assign(new Error(raw), { reason: 'sslv3 alert handshake failure' }))).toBe('sslv3 alert handshake failure');
    expect(tlsErrorText(new Error(raw))).toBe('sslv3 alert handshake failure');
    expect(tlsErrorText(new Error('socket hang up'))).toBe('socket hang up');
    expect(tlsErrorText(Object.assign(new Error('error:1E08010C:DECODER routines::unsupported'), { reason: 'unsupported', library: 'DECODER routines' }))).toBe('unsupported (DECODER routines)');
  });
  it('tells OpenSSL errors from socket errors', () => {
    expect(isTlsError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', raw))).toBe(true);
    expect(isTlsError(Object.assign(new Error('x'), { library: 'SSL routines' }))).toBe(true);
    expect(isTlsError(err('ECONNRESET', 'read ECONNRESET'))).toBe(false);
    expect(isTlsError(null)).toBe(false);
  });
});
