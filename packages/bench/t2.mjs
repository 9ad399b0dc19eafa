import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
wasm.setThreadsCount(2);
try { const ok = await tf.setBackend('wasm'); console.log('ok', ok, wasm.getThreadsCount()); } catch (e) { console.log('err', e); }
const a = tf.ones([512,512]); let t=performance.now(); for (let i=0;i<10;i++) tf.matMul(a,a).dataSync(); console.log((performance.now()-t)/10);
process.exit(0)
