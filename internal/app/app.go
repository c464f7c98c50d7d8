// Package app wires Latchkey's pieces together on Lambda: it builds the
// dependencies from a function's environment (internal/deps) and starts a
// route's handler or the authorizer. Function mains call Start with their
// handler's constructor; the local server and the invoke tool build the
// same constructors over their own dependencies.
package app
