package dev.selvedge.server.ui;

/** A failure the UI shows as a page with a status and a readable message. */
final class UiError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;

  UiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static UiError notFound(String message) {
    return new UiError(404, message);
  }

  static UiError badRequest(String message) {
    return new UiError(400, message);
  }
}
