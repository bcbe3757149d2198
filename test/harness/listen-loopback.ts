// The tests' name for agent/loopback-listen.ts, which `demo --s3` uses too (one implementation, two import paths).
export { withLoopbackListen } from '../../agent/loopback-listen.ts';
