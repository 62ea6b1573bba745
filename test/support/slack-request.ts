export * from '../../stand-ins/slack-request.js';
