package dev.selvedge.server;

/**
 * An answer other than success, with its status, a stable code and a message for people: written as
 * {@code {"error": code, "message": message}}. Carries no stack trace (it is never printed).
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;

  ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** The HTTP status it is answered with. */
  public int status() {
    return status;
  }

  /** Its stable code ({@code busy}, {@code not_found}, ...). */
  public String code() {
    return code;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }
}
