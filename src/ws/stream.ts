/**
 * ws's createWebSocketStream: a Duplex over a WebSocket. Each message is one readable chunk;
 * each written chunk is one message. Backpressure both ways: a full readable side pauses the
 * socket (resumed on read), and a write completes when its message is written out.
 * @module
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import { CLOSED, CONNECTING } from './constants';
import type { WebSocket } from './WebSocket';

/** Ends the stream once both sides are done. */
function destroyWhenEnded(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

/**
 * A Duplex stream over `ws` (options go to the Duplex constructor; objectMode is not used for
 * the writable side, and a readable objectMode turns text messages into strings).
 */
export function createWebSocketStream(ws: WebSocket, options?: DuplexOptions): Duplex {
  let terminateOnDestroy = true;
  const duplex = new Duplex({ ...options, autoDestroy: false, emitClose: false, objectMode: false, writableObjectMode: false });
  const onMessage = (data: unknown, isBinary: boolean): void => {
    const chunk = !isBinary && duplex.readableObjectMode ? String(data) : data;
    if (!duplex.push(chunk)) ws.pause();
  };
  ws.on('message', onMessage);
  ws.once('error', (err: Error) => {
    if (duplex.destroyed) return;
    // the socket fails on its own: destroying the stream must not terminate it again
    terminateOnDestroy = false;
    duplex.destroy(err);
  });
  ws.once('close', () => {
    if (!duplex.destroyed) duplex.push(null);
  });

  duplex._destroy = (err, callback) => {
    const emitClose = (): void => {
      duplex.emit('close');
    };
    if (ws.readyState === CLOSED) {
      callback(err);
      process.nextTick(emitClose);
      return;
    }
    let called = false;
    ws.once('error', (e: Error) => {
      called = true;
      callback(e);
    });
    ws.once('close', () => {
      if (!called) callback(err);
      process.nextTick(emitClose);
    });
    if (terminateOnDestroy) ws.terminate();
  };
  duplex._final = (callback) => {
    if (ws.readyState === CONNECTING) {
      ws.once('open', () => duplex._final(callback));
      return;
    }
    if (ws.readyState === CLOSED) {
      callback();
      if (duplex.readableEnded) duplex.destroy();
      return;
    }
    ws.once('close', () => {
      callback();
      // the readable side may have ended first (it ends on the same 'close'): both done now
      process.nextTick(() => {
        if (duplex.readableEnded && !duplex.destroyed) duplex.destroy();
      });
    });
    ws.close();
  };
  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };
  duplex._write = (chunk: Buffer, _encoding, callback) => {
    if (ws.readyState === CONNECTING) {
      ws.once('open', () => duplex._write(chunk, _encoding, callback));
      return;
    }
    ws.send(chunk, callback);
  };
  duplex.on('end', destroyWhenEnded);
  duplex.on('error', function onError(this: Duplex, err: Error) {
    this.removeListener('error', onError);
    this.destroy();
    // rethrown when no one else listens, as any stream error
    if (this.listenerCount('error') === 0) this.emit('error', err);
  });
  return duplex;
}
