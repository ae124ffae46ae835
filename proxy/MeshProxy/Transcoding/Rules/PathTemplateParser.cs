using System.Diagnostics.CodeAnalysis;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Parses http.proto path templates. Grammar (google/api/http.proto, "Path template syntax"):
/// <code>
/// Template = "/" Segments [ Verb ] | "/" ;
/// Segments = Segment { "/" Segment } ;
/// Segment  = "*" | "**" | LITERAL | Variable ;
/// Variable = "{" FieldPath [ "=" Segments ] "}" ;
/// FieldPath = IDENT { "." IDENT } ;
/// Verb     = ":" LITERAL ;
/// </code>
/// Extra rules: variables do not nest; a field is bound once; at most one <c>**</c>, after which only literals may
/// follow (http.proto wants <c>**</c> last; Envoy and grpc-gateway accept trailing literals, and so do we); a variable
/// containing <c>**</c> may be followed only by literals too. LITERAL is one or more URL path characters other than
/// <c>/ { } = * :</c>; a <c>%</c> must start a valid escape. The root template <c>/</c> has no segment and matches
/// the path <c>/</c> only: http.proto's grammar has no such template, but Envoy and grpc-gateway load it (issue 12).
/// </summary>
internal static class PathTemplateParser
{
    public static bool TryParse(string text, [NotNullWhen(true)] out PathTemplate? template, [NotNullWhen(false)] out string? error)
    {
        var parser = new Parser(text);
        if (parser.Run(out error))
        {
            template = new PathTemplate(text, parser.Segments, parser.Variables, parser.Verb);
            return true;
        }

        template = null;
        error = $"invalid path template \"{text}\": {error}";
        return false;
    }

    private struct Parser(string text)
    {
        private readonly string _text = text;
        private int _position;
        private bool _afterDoubleWildcard;

        public List<TemplateSegment> Segments { get; } = [];

        public List<TemplateVariable> Variables { get; } = [];

        public string? Verb { get; private set; }

        public bool Run([NotNullWhen(false)] out string? error)
        {
            if (_text.Length == 0 || _text[0] != '/')
            {
                error = "it must start with '/'";
                return false;
            }

            _position = 1;
            if (_text.Length == 1)
            {
                error = null;
                return true;
            }

            if (!ParseSegments(inVariable: false, out error))
            {
                return false;
            }

            if (_position < _text.Length && _text[_position] == ':')
            {
                _position++;
                var start = _position;
                if (!ParseLiteral(out var verb, out error))
                {
                    error = $"bad verb at {start}: {error}";
                    return false;
                }

                Verb = verb;
            }

            if (_position != _text.Length)
            {
                error = $"unexpected '{_text[_position]}' at {_position}";
                return false;
            }

            error = null;
            return true;
        }

        private bool ParseSegments(bool inVariable, [NotNullWhen(false)] out string? error)
        {
            while (true)
            {
                if (!ParseSegment(inVariable, out error))
                {
                    return false;
                }

                if (_position < _text.Length && _text[_position] == '/')
                {
                    _position++;
                    continue;
                }

                return true;
            }
        }

        private bool ParseSegment(bool inVariable, [NotNullWhen(false)] out string? error)
        {
            error = null;
            if (_position >= _text.Length)
            {
                error = "a segment is missing at the end (trailing '/')";
                return false;
            }

            var c = _text[_position];
            if (c == '*')
            {
                var isDouble = _position + 1 < _text.Length && _text[_position + 1] == '*';
                if (_afterDoubleWildcard)
                {
                    error = $"'{(isDouble ? "**" : "*")}' at {_position} follows '**' (only literals may follow it)";
                    return false;
                }

                _position += isDouble ? 2 : 1;
                if (_position < _text.Length && _text[_position] == '*')
                {
                    error = $"'***' at {_position - 2}";
                    return false;
                }

                Segments.Add(new TemplateSegment(isDouble ? SegmentKind.DoubleWildcard : SegmentKind.Wildcard, null));
                _afterDoubleWildcard |= isDouble;
                return EndOfSegment(out error);
            }

            if (c == '{')
            {
                if (inVariable)
                {
                    error = $"nested variable at {_position}";
                    return false;
                }

                return ParseVariable(out error);
            }

            if (!ParseLiteral(out var literal, out error))
            {
                return false;
            }

            Segments.Add(new TemplateSegment(SegmentKind.Literal, literal));
            return EndOfSegment(out error);
        }

        private readonly bool EndOfSegment([NotNullWhen(false)] out string? error)
        {
            error = null;
            if (_position < _text.Length && _text[_position] is not ('/' or ':' or '}'))
            {
                error = $"unexpected '{_text[_position]}' at {_position}";
                return false;
            }

            return true;
        }

        private bool ParseVariable([NotNullWhen(false)] out string? error)
        {
            var open = _position;
            _position++;
            if (_afterDoubleWildcard)
            {
                error = $"variable at {open} follows '**' (only literals may follow it)";
                return false;
            }

            var fieldPath = new List<string>();
            while (true)
            {
                var start = _position;
                while (_position < _text.Length && IsIdentifierChar(_text[_position], _position == start))
                {
                    _position++;
                }

                if (_position == start)
                {
                    error = $"expected a field name at {start}";
                    return false;
                }

                fieldPath.Add(_text[start.._position]);
                if (_position < _text.Length && _text[_position] == '.')
                {
                    _position++;
                    continue;
                }

                break;
            }

            var fieldPathText = string.Join('.', fieldPath);
            foreach (var existing in Variables)
            {
                if (existing.FieldPathText == fieldPathText)
                {
                    error = $"field '{fieldPathText}' is bound twice";
                    return false;
                }
            }

            var first = Segments.Count;
            if (_position < _text.Length && _text[_position] == '=')
            {
                _position++;
                if (!ParseSegments(inVariable: true, out error))
                {
                    return false;
                }
            }
            else
            {
                Segments.Add(new TemplateSegment(SegmentKind.Wildcard, null));
            }

            if (_position >= _text.Length || _text[_position] != '}')
            {
                error = $"variable '{fieldPathText}' opened at {open} is not closed";
                return false;
            }

            _position++;
            var count = Segments.Count - first;
            var multi = count != 1 || Segments[first].Kind == SegmentKind.DoubleWildcard;
            Variables.Add(new TemplateVariable(fieldPath, first, Segments.Count) { IsMultiSegment = multi });
            return EndOfSegment(out error);
        }

        private bool ParseLiteral([NotNullWhen(true)] out string? literal, [NotNullWhen(false)] out string? error)
        {
            literal = null;
            var start = _position;
            while (_position < _text.Length)
            {
                var c = _text[_position];
                if (c == '%')
                {
                    if (_position + 2 >= _text.Length || !char.IsAsciiHexDigit(_text[_position + 1]) || !char.IsAsciiHexDigit(_text[_position + 2]))
                    {
                        error = $"bad percent-encoding at {_position}";
                        return false;
                    }

                    _position += 3;
                    continue;
                }

                if (!IsLiteralChar(c))
                {
                    break;
                }

                _position++;
            }

            if (_position == start)
            {
                error = _position < _text.Length ? $"unexpected '{_text[_position]}' at {_position}" : "an empty segment at the end";
                return false;
            }

            literal = _text[start.._position];
            error = null;
            return true;
        }

        private static bool IsIdentifierChar(char c, bool first) =>
            char.IsAsciiLetter(c) || c == '_' || (!first && char.IsAsciiDigit(c));

        // RFC 3986 pchar minus ':' (the verb separator) and the template's own '*' and '='; '%' is handled by the caller.
        private static bool IsLiteralChar(char c) =>
            char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '+' or ',' or ';' or '@';
    }
}
