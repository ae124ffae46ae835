using Google.Api;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Builds the <see cref="HttpRuleTable"/> of a descriptor pool from its <c>google.api.http</c> annotations
/// (google/api/http.proto). Runs at load (startup or reload), never per request. Every problem is collected, each
/// naming the method(s) at fault; the table holds the bindings that had no problem.
/// </summary>
internal static class HttpRuleTableBuilder
{
    public static HttpRuleTable Build(DescriptorPool pool, HttpRuleOptions options, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var entries = new List<RouteEntry>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in SelectServices(pool, options, problems))
        {
            foreach (var method in service.Methods)
            {
                var rule = DescriptorPool.GetHttpRule(method);
                if (rule is null)
                {
                    if (options.UnannotatedMethods)
                    {
                        rule = new HttpRule { Post = $"/{service.FullName}/{method.Name}", Body = "*" };
                    }
                    else
                    {
                        continue;
                    }
                }

                AddBinding(pool, method, rule, 0, entries, seen, problems);
                for (var i = 0; i < rule.AdditionalBindings.Count; i++)
                {
                    var additional = rule.AdditionalBindings[i];
                    if (additional.AdditionalBindings.Count > 0)
                    {
                        problems.Add($"{method.FullName}: additional binding {i + 1} has additional_bindings of its own (only one level is allowed)");
                        continue;
                    }

                    AddBinding(pool, method, additional, i + 1, entries, seen, problems);
                }
            }
        }

        errors = problems;
        return new HttpRuleTable(pool, entries);
    }

    private static IEnumerable<ServiceDescriptor> SelectServices(DescriptorPool pool, HttpRuleOptions options, List<string> problems)
    {
        if (options.Services.IsDefaultOrEmpty)
        {
            // Declaration order, so that errors and OpenAPI output are stable.
            return pool.Files.SelectMany(f => f.Services);
        }

        var selected = new List<ServiceDescriptor>();
        foreach (var name in options.Services)
        {
            if (pool.FindService(name) is { } service)
            {
                if (!selected.Contains(service))
                {
                    selected.Add(service);
                }
            }
            else
            {
                problems.Add($"{name}: no such service in the descriptor set");
            }
        }

        return selected;
    }

    private static void AddBinding(
        DescriptorPool pool, MethodDescriptor method, HttpRule rule, int index, List<RouteEntry> entries, Dictionary<string, string> seen, List<string> problems)
    {
        var where = index == 0 ? method.FullName : $"{method.FullName} (additional binding {index})";
        if (!TryGetPattern(rule, out var httpMethod, out var templateText, out var patternError))
        {
            problems.Add($"{where}: {patternError}");
            return;
        }

        var prefix = $"{where}: {httpMethod} {templateText}";
        if (!PathTemplateParser.TryParse(templateText, out var template, out var templateError))
        {
            problems.Add($"{prefix}: {templateError}");
            return;
        }

        var input = pool.FindMessage(method.InputType.FullName)!;
        var output = pool.FindMessage(method.OutputType.FullName)!;
        var ok = true;
        var variableFields = new List<IReadOnlyList<ProtoField>>(template.Variables.Count);
        foreach (var variable in template.Variables)
        {
            if (FieldPaths.TryResolve(input, variable.FieldPath, out var fields, out var error)
                && FieldPaths.CheckVariableLeaf(fields[^1], out error))
            {
                variableFields.Add(fields);
            }
            else
            {
                problems.Add($"{prefix}: variable '{variable.FieldPathText}': {error}");
                ok = false;
            }
        }

        IReadOnlyList<ProtoField>? bodyField = null;
        if (rule.Body.Length > 0 && rule.Body != "*")
        {
            if (FieldPaths.TryResolve(input, rule.Body.Split('.'), out var fields, out var error))
            {
                bodyField = fields;
            }
            else
            {
                problems.Add($"{prefix}: body '{rule.Body}': {error}");
                ok = false;
            }
        }

        IReadOnlyList<ProtoField>? responseBodyField = null;
        if (rule.ResponseBody.Length > 0)
        {
            if (FieldPaths.TryResolve(output, rule.ResponseBody.Split('.'), out var fields, out var error))
            {
                responseBodyField = fields;
            }
            else
            {
                problems.Add($"{prefix}: response_body '{rule.ResponseBody}': {error}");
                ok = false;
            }
        }

        var key = $"{httpMethod} {template.NormalizedKey}";
        if (seen.TryGetValue(key, out var owner))
        {
            problems.Add($"{prefix} duplicates {owner}");
            ok = false;
        }

        if (!ok)
        {
            return;
        }

        seen.Add(key, method.FullName);
        var binding = new HttpBinding
        {
            GrpcPath = $"/{method.Service.FullName}/{method.Name}",
            ServiceName = method.Service.FullName,
            MethodName = method.Name,
            Input = input,
            Output = output,
            ClientStreaming = method.IsClientStreaming,
            ServerStreaming = method.IsServerStreaming,
            HttpMethod = httpMethod,
            Template = templateText,
            HasBody = rule.Body.Length > 0,
            BodyField = bodyField,
            ResponseBodyField = responseBodyField,
            Description = method.Declaration?.LeadingComments?.Trim() ?? string.Empty,
            BindingIndex = index,
        };
        entries.Add(new RouteEntry(binding, template, variableFields));
    }

    private static bool TryGetPattern(HttpRule rule, out string httpMethod, out string template, out string? error)
    {
        error = null;
        (httpMethod, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind, rule.Custom.Path),
            _ => (string.Empty, string.Empty),
        };
        if (rule.PatternCase == HttpRule.PatternOneofCase.None)
        {
            error = "the rule sets no pattern (get, put, post, delete, patch or custom)";
        }
        else if (httpMethod.Length == 0 || !httpMethod.All(IsTokenChar))
        {
            error = $"custom kind \"{httpMethod}\" is not an HTTP method token";
        }

        return error is null;
    }

    // RFC 9110 section 5.6.2 tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
