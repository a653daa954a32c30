export * from './messages.js';
export * from './codec.js';
export * from './tls.js';
export * from './server/agent-server.js';
export * from './server/agent-socket.js';
export * from './server/proc-channel.js';
export * from './server/proc-handle.js';
