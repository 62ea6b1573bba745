export * from '../../stand-ins/qstash-emulator.js';
