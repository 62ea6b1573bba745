export * from '../../stand-ins/fake-slack.js';
