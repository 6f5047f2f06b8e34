/** Start-up failures of the app itself; each message says what to do next. */
export class HttpPortInUseError extends Error {
  readonly code = 'APP_E_HTTP_PORT_IN_USE';
  constructor(readonly port: number) {
    super(`HTTP port ${port} is already in use: stop what holds it, or choose another port, e.g. PORT=${port + 1} npm start`);
  }
}
