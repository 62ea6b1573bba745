export * from '../../stand-ins/waiters.js';
