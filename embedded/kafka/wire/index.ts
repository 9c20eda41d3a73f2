export * from './errors.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { FrameSplitter, DEFAULT_MAX_FRAME_BYTES } from './frame.js';
export * from './header.js';
