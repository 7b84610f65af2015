import { Duration, Option, ParseResult, Schema, SchemaAST } from "effect"
import { TimeZoneFromString } from "./Timestamp.js"

/**
 * The values settings are made of: each decodes the text of a flag or an environment variable, and says in
 * its `message` what it expected. Each also names the command-line type `--help` shows for it (`kindOf`).
 */

/** How a setting looks on the command line: a number, a duration, one of some words, or text. */
export type SettingKind =
  | { readonly _tag: "Integer" }
  | { readonly _tag: "Seconds" }
  | { readonly _tag: "Choice"; readonly words: ReadonlyArray<string> }
  | { readonly _tag: "Text" }

const SettingKindId = Symbol.for("scoreline/SettingKind")

/** The kind a value schema was declared with; any other schema (a user name, a time zone) is text. */
export const kindOf = (schema: Schema.Schema.Any): SettingKind =>
  Option.getOrElse(SchemaAST.getAnnotation<SettingKind>(SettingKindId)(schema.ast), () => ({ _tag: "Text" as const }))

const kind = (kind: SettingKind) => ({ [SettingKindId]: kind })

/**
 * Texts a setting's value must take and refuse. `refused[0]` is the first value past the bound (`0` for a
 * whole number above 0, `65536` for a port): test/settings/bounds.test.ts walks every setting of every
 * program with these, so a loosened bound or a new setting without edges fails a test nobody had to write.
 * `refused: []` says the value is free text on purpose.
 */
export interface SettingEdges {
  readonly accepted: ReadonlyArray<string>
  readonly refused: ReadonlyArray<string>
}

const SettingEdgesId = Symbol.for("scoreline/SettingEdges")

/** The edges a value schema was declared with, if any. */
export const edgesOf = (schema: Schema.Schema.Any): Option.Option<SettingEdges> =>
  SchemaAST.getAnnotation<SettingEdges>(SettingEdgesId)(schema.ast)

const edges = (edges: SettingEdges) => ({ [SettingEdgesId]: edges })

/** A value schema defined elsewhere (a user name, a time zone), with the edges its settings are tested at. */
export const withEdges = <S extends Schema.Schema.Any>(schema: S, accepted: ReadonlyArray<string>, refused: ReadonlyArray<string>): S =>
  schema.annotations(edges({ accepted, refused })) as S

/** The message for any failure of the value, not only its last check: `abc` and `1.5` are not ports either. */
const expected = (what: string) => () => ({ message: `expected ${what}`, override: true })

export const Port = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.between(0, 65535),
  Schema.annotations({
    message: expected("a port number from 0 to 65535"),
    ...kind({ _tag: "Integer" }),
    ...edges({ accepted: ["0", "65535"], refused: ["65536", "-1", "1.5", "abc"] })
  })
)

export const PositiveInt = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.positive(),
  Schema.annotations({
    message: expected("a whole number above 0"),
    ...kind({ _tag: "Integer" }),
    ...edges({ accepted: ["1", "100"], refused: ["0", "-1", "1.5", "abc"] })
  })
)

/** Free text: any value, the empty one included. */
export const Text = Schema.String.annotations(edges({ accepted: ["", "any text"], refused: [] }))

export const NonEmptyText = Schema.String.pipe(Schema.minLength(1),
  Schema.annotations({ message: () => "expected a non-empty value", ...edges({ accepted: ["x"], refused: [""] }) })
)

/** One of a fixed set of words, case-insensitive (`TRANSPORT=UDP` works). */
export const oneOf = <const Words extends ReadonlyArray<string>>(...words: Words) =>
  Schema.transformOrFail(Schema.String, Schema.Literal(...words), {
    strict: true,
    decode: (text, _, ast) => {
      const word = words.find((w) => w.toLowerCase() === text.toLowerCase())
      return word === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, text, `expected one of ${words.join(", ")}`))
        : ParseResult.succeed(word as Words[number])
    },
    encode: (word) => ParseResult.succeed(word as string)
  }).annotations({ ...kind({ _tag: "Choice", words }), ...edges({ accepted: [...words, words[0]!.toUpperCase()], refused: ["not-a-choice", ""] }) })

/** On or off: `true`/`false`, also `1`/`0`, `yes`/`no`, `on`/`off`; on the command line, `true` or `false`. */
export const Flag = Schema.transformOrFail(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (text, _, ast) =>
    /^(true|1|yes|on)$/i.test(text)
      ? ParseResult.succeed(true)
      : /^(false|0|no|off)$/i.test(text)
      ? ParseResult.succeed(false)
      : ParseResult.fail(new ParseResult.Type(ast, text, "expected true or false")),
  encode: (bool) => ParseResult.succeed(bool ? "true" : "false")
}).annotations({
  ...kind({ _tag: "Choice", words: ["true", "false"] }),
  ...edges({ accepted: ["true", "false", "1", "0", "YES", "off"], refused: ["maybe", ""] })
})

/** A duration in seconds, fractions allowed (`30`, `0.5`): above 0, or 0 or more where 0 means "once" (a poll interval). */
const seconds = (least: "above 0" | "0 or more") =>
  Schema.transform(
    Schema.NumberFromString.pipe(
      least === "above 0" ? Schema.positive() : Schema.nonNegative(),
      Schema.annotations({ message: expected(least === "above 0" ? "a number of seconds above 0" : "a number of seconds, 0 or more") })
    ),
    Schema.DurationFromSelf,
    { strict: true, decode: (s) => Duration.millis(Math.round(s * 1000)), encode: Duration.toSeconds }
  ).annotations({
    ...kind({ _tag: "Seconds" }),
    ...edges(least === "above 0" ? { accepted: ["0.5", "30"], refused: ["0", "-1", "abc"] } : { accepted: ["0", "0.5"], refused: ["-0.5", "abc"] })
  })

export const Seconds = seconds("above 0")
export const SecondsOrZero = seconds("0 or more")

/** A time zone setting (`TIME_ZONE`): an IANA name, `UTC`, or an offset. */
export const TimeZone = withEdges(TimeZoneFromString, ["UTC", "+08:00", "Asia/Kuala_Lumpur"], ["Mars/Olympus", ""])
