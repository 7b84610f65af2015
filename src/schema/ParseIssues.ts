import { ParseResult } from "effect"

/**
 * A decode failure as one line a person reads: each issue's message, after its path when it has one
 * (`servers.0.port: expected …`), joined by "; ". Settings, rosters and refused requests all say it so.
 */
export const describeParseError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")
