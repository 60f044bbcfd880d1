// libuv's thread pool runs devnet's ECDSA (msp/signatures.ts) beside the block files' writes
// and fsyncs and LevelDB's work. Four threads (Node's default) let a burst of signature jobs
// queue a block's fsync behind them; eight keep durable commits moving. Imported first by
// main.ts: the pool's size is read when it is first used.
process.env.UV_THREADPOOL_SIZE ??= '8';
