using System.Buffers;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Transcoding.Rules;

/// <content>Query parameters (http.proto: "any fields in the request message which are not bound by the path template
/// automatically become HTTP query parameters if there is no HTTP request body").</content>
internal static partial class RequestMessageBuilder
{
    private static RequestBuildError? WriteQuery(HttpBinding binding, IReadOnlyList<PathVariable> variables, string query,
        RequestBuildOptions options, JsonParseOptions textOptions, IBufferWriter<byte> output, ref QueryState state)
    {
        var rest = query.AsSpan();
        if (rest.StartsWith('?'))
        {
            rest = rest[1..];
        }

        List<ProtoField>? path = null;
        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var rawKey = eq < 0 ? pair : pair[..eq];
            var rawValue = eq < 0 ? [] : pair[(eq + 1)..];
            if (!PercentDecoder.TryDecodeQuery(rawKey, out var key, out var keyError))
            {
                return RequestBuildError.BadRequest($"query parameter: {keyError}");
            }

            if (key.Length == 0)
            {
                continue;
            }

            // grpc-gateway's map syntax: labels[env]=prod (or a.b.labels[env]); the key is everything inside the brackets.
            string? mapKey = null;
            var fieldKey = key;
            var bracket = key.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                if (bracket == 0 || !key.EndsWith(']'))
                {
                    return RequestBuildError.BadRequest($"query parameter '{key}': a map entry is written field[key]=value");
                }

                mapKey = key[(bracket + 1)..^1];
                fieldKey = key[..bracket];
            }

            path ??= [];
            path.Clear();
            var resolution = ResolveQueryKey(binding.Input, fieldKey, path, out var resolveError);
            if (resolution == QueryKey.Unknown)
            {
                if (options.RejectUnknownQueryParameters)
                {
                    return RequestBuildError.BadRequest($"query parameter '{key}' names no field of {binding.Input.FullName}");
                }

                continue;
            }

            if (resolution == QueryKey.Invalid)
            {
                return RequestBuildError.BadRequest($"query parameter '{key}': {resolveError}");
            }

            // Bound by the body ("*" binds every field; "field" binds that subtree) or by the path (the path wins).
            if (binding.HasBody && (binding.BodyField is null || StartsWith(path, binding.BodyField)))
            {
                continue;
            }

            if (IsBoundByPath(path, variables))
            {
                continue;
            }

            var leaf = path[^1];
            if (mapKey is not null)
            {
                if (WriteQueryMapEntry(key, leaf, path, mapKey, rawValue, textOptions, output) is { } mapError)
                {
                    return mapError;
                }

                continue;
            }

            if (leaf.IsMap || (leaf.IsMessage && !FieldPaths.IsTextWellKnown(leaf.MessageType.WellKnown)))
            {
                return RequestBuildError.BadRequest(
                    $"query parameter '{key}' names {(leaf.IsMap ? "a map" : $"a message ({leaf.MessageType.FullName})")} field; only scalars, enums and well-known types with a string form can be set from the query{(leaf.IsMap ? $", and map entries as {key}[key]=value" : string.Empty)}");
            }

            // A second value for a singular field is a client bug, not an override: grpc-gateway answers "too many values
            // for field" (runtime/query_test.go) and Microsoft's transcoder 400 too; last-wins hid it (issue 12).
            if (!leaf.IsRepeated && !state.TryMarkSingular(path))
            {
                return RequestBuildError.BadRequest($"query parameter '{key}' is given more than once, but {leaf.Name} is not a repeated field");
            }

            if (!PercentDecoder.TryDecodeQuery(rawValue, out var value, out var valueError))
            {
                return RequestBuildError.BadRequest($"query parameter '{key}': {valueError}");
            }

            if (!TryWriteFieldText(path, value, textOptions, output, out var writeError))
            {
                return RequestBuildError.BadRequest($"query parameter '{key}': {writeError}");
            }

            if (path.Count == 1 && leaf.IsMessage && leaf.MessageType.WellKnown == WellKnownType.FieldMask)
            {
                state.SetTopLevelFieldMasks.Add(leaf);
            }
        }

        return null;
    }

    private static RequestBuildError? WriteQueryMapEntry(string key, ProtoField leaf, List<ProtoField> path, string mapKey,
        ReadOnlySpan<char> rawValue, JsonParseOptions textOptions, IBufferWriter<byte> output)
    {
        if (!leaf.IsMap || leaf.MapValue is not { } valueField)
        {
            return RequestBuildError.BadRequest($"query parameter '{key}': {leaf.Name} is not a map field, so it takes no [key]");
        }

        // grpc-gateway refuses these too: a message has no single-value text form.
        if (valueField.IsMessage)
        {
            return RequestBuildError.BadRequest(
                $"query parameter '{key}': the values of map {leaf.Name} are messages ({valueField.MessageType.FullName}); only scalar and enum map values can be set from the query");
        }

        if (!PercentDecoder.TryDecodeQuery(rawValue, out var value, out var valueError))
        {
            return RequestBuildError.BadRequest($"query parameter '{key}': {valueError}");
        }

        var result = ProtoJsonCodec.WriteMapEntryFromText(path, mapKey, value, output, textOptions);
        return result.IsSuccess ? null : RequestBuildError.BadRequest($"query parameter '{key}': {result.Error.Message}");
    }

    /// <summary>Resolves a dotted key by JSON or proto names (grpc-gateway accepts both).</summary>
    private static QueryKey ResolveQueryKey(MessageType root, string key, List<ProtoField> path, out string? error)
    {
        error = null;
        var type = root;
        var remaining = key.AsSpan();
        while (true)
        {
            var dot = remaining.IndexOf('.');
            var name = dot < 0 ? remaining : remaining[..dot];
            var field = type.FindField(name);
            if (field is null)
            {
                return QueryKey.Unknown;
            }

            path.Add(field);
            if (dot < 0)
            {
                return QueryKey.Field;
            }

            if (!field.IsMessage || field.IsRepeated || field.IsMap || field.MessageType.WellKnown != WellKnownType.None)
            {
                error = $"'{field.Name}' is not a singular message field, so nothing can be addressed inside it";
                return QueryKey.Invalid;
            }

            type = field.MessageType;
            remaining = remaining[(dot + 1)..];
        }
    }

    private static bool IsBoundByPath(List<ProtoField> path, IReadOnlyList<PathVariable> variables)
    {
        foreach (var variable in variables)
        {
            if (StartsWith(path, variable.FieldPath))
            {
                return true;
            }
        }

        return false;
    }

    private static bool StartsWith(List<ProtoField> path, IReadOnlyList<ProtoField> prefix)
    {
        if (path.Count < prefix.Count)
        {
            return false;
        }

        for (var i = 0; i < prefix.Count; i++)
        {
            if (!ReferenceEquals(path[i], prefix[i]))
            {
                return false;
            }
        }

        return true;
    }

    private enum QueryKey
    {
        Unknown,
        Invalid,
        Field,
    }

    /// <summary>What the query set that later steps need to know.</summary>
    private struct QueryState
    {
        private List<ProtoField>? _setTopLevelFieldMasks;

        // The singular fields set so far, by resolved path (a JSON and a proto name of one field are the same field).
        private List<ProtoField[]>? _singular;

        public List<ProtoField> SetTopLevelFieldMasks => _setTopLevelFieldMasks ??= [];

        public readonly bool HasSet(ProtoField field) => _setTopLevelFieldMasks?.Contains(field) == true;

        /// <summary>False when the singular field at <paramref name="path"/> was already set by an earlier parameter.</summary>
        public bool TryMarkSingular(List<ProtoField> path)
        {
            _singular ??= [];
            foreach (var seen in _singular)
            {
                if (seen.Length == path.Count && StartsWith(path, seen))
                {
                    return false;
                }
            }

            _singular.Add([.. path]);
            return true;
        }
    }
}
