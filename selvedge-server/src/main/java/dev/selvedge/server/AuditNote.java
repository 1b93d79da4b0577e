package dev.selvedge.server;

import io.javalin.http.Context;

/**
 * What a write request's handler tells the audit log about the request, beyond what every request
 * has (actor, source address, method and route, status, request id): the subject and the change.
 * The audit records one entry per write request after it is answered, allowed or refused, with
 * whatever its handler noted here; a request refused before its handler ran (401, 403, 429) is
 * recorded with what the route alone says.
 */
final class AuditNote {
  private static final String ATTRIBUTE = "selvedge.audit";

  String action;
  String node;
  String stack;
  String service;
  String operation;
  String before;
  String after;
  String detail;

  /** The request's note, made on first use. */
  static AuditNote of(Context ctx) {
    AuditNote note = ctx.attribute(ATTRIBUTE);
    if (note == null) {
      note = new AuditNote();
      ctx.attribute(ATTRIBUTE, note);
    }
    return note;
  }

  /** The request's note if its handler wrote one. */
  static AuditNote peek(Context ctx) {
    return ctx.attribute(ATTRIBUTE);
  }

  AuditNote action(String value) {
    action = value;
    return this;
  }

  AuditNote subject(String nodeId, String stackName, String serviceName) {
    node = nodeId;
    stack = stackName;
    service = serviceName;
    return this;
  }

  AuditNote operation(String id) {
    operation = id;
    return this;
  }

  /** Image digests, config hash, deployment ids before and after, as short text; no secret. */
  AuditNote change(String beforeText, String afterText) {
    before = beforeText;
    after = afterText;
    return this;
  }

  AuditNote detail(String text) {
    detail = text;
    return this;
  }
}
