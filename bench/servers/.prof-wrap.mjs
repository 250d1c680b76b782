process.on('SIGINT', () => process.exit(0));
await import('./qwebsocket.mjs');
