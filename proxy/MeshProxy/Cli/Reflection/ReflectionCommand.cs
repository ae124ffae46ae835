using Google.Protobuf.Reflection;
using Grpc.Core;
using MeshProxy.Cli.Call;
using MeshProxy.Transcoding.Descriptors;
using DescriptorPool = MeshProxy.Transcoding.Descriptors.DescriptorPool;

namespace MeshProxy.Cli.Reflection;

/// <summary>
/// <c>meshproxy call ADDRESS list [SERVICE]</c> and <c>meshproxy call ADDRESS describe SYMBOL</c>, answered by the
/// server's reflection service alone (the local descriptor set plays no part), so they work against any server that
/// has one. Exit codes as <c>call</c>: 0 OK, 1 the server failed, lacks reflection or does not know the name.
/// </summary>
internal static class ReflectionCommand
{
    public static async Task<int> RunAsync(CallArguments arguments, CallInvoker invoker, CallOptions options, TextWriter stdout, TextWriter stderr)
    {
        var reflection = new ReflectionClient(invoker, options);
        await using (reflection.ConfigureAwait(false))
        {
            try
            {
                var (output, error) = arguments.Mode == CallMode.List
                    ? await ListAsync(reflection, arguments.Target).ConfigureAwait(false)
                    : await DescribeAsync(reflection, arguments.Target).ConfigureAwait(false);
                if (error is not null)
                {
                    await stderr.WriteLineAsync($"meshproxy call: {error}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await stdout.WriteAsync(output).ConfigureAwait(false);
                await stdout.FlushAsync().ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                await stderr.WriteLineAsync($"meshproxy call: {arguments.Address.Authority} offers no gRPC server reflection (neither grpc.reflection.v1 nor v1alpha answered: {e.Status.Detail})").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (RpcException e)
            {
                await stderr.WriteLineAsync($"ERROR: {ResponsePrinter.StatusName(e.StatusCode)} ({(int)e.StatusCode}): {e.Status.Detail}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (DescriptorSetException e)
            {
                await stderr.WriteLineAsync($"meshproxy call: the server's reflection sent descriptors that do not link: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }
    }

    /// <summary>Every service, or one service's methods as <c>pkg.Service/Method</c> (what <c>call</c> takes), one a line.</summary>
    private static async Task<(string? Output, string? Error)> ListAsync(ReflectionClient reflection, string service)
    {
        if (service.Length == 0)
        {
            var services = await reflection.ListServicesAsync().ConfigureAwait(false);
            return (Lines(services), null);
        }

        var pool = await reflection.FileContainingSymbolAsync(service).ConfigureAwait(false);
        return pool?.FindService(service) is { } found
            ? (Lines(found.Methods.Select(m => found.FullName + "/" + m.Name)), null)
            : (null, $"the server's reflection does not know service '{service}'");
    }

    private static async Task<(string? Output, string? Error)> DescribeAsync(ReflectionClient reflection, string symbol)
    {
        // pkg.Service/Method is how call spells a method; reflection and descriptors spell it pkg.Service.Method.
        var name = symbol.TrimStart('/').Replace('/', '.');
        var pool = await reflection.FileContainingSymbolAsync(name).ConfigureAwait(false);
        var parent = name.LastIndexOf('.');
        if (pool is null && parent > 0)
        {
            // Some servers index types and services only: a method is found through its service's file.
            pool = await reflection.FileContainingSymbolAsync(name[..parent]).ConfigureAwait(false);
        }

        return Find(pool, name) is { } descriptor && ProtoSourceWriter.Describe(descriptor) is { } source
            ? (source, null)
            : (null, $"the server's reflection does not know a service, method, message or enum named '{symbol}'");
    }

    /// <summary>The service, method, message or enum of that full name, nested types included.</summary>
    internal static IDescriptor? Find(DescriptorPool? pool, string name)
    {
        foreach (var file in pool?.Files ?? [])
        {
            foreach (var service in file.Services)
            {
                if (service.FullName == name)
                {
                    return service;
                }

                if (service.Methods.FirstOrDefault(m => m.FullName == name) is { } method)
                {
                    return method;
                }
            }

            if (Find(file.MessageTypes, file.EnumTypes, name) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    private static IDescriptor? Find(IEnumerable<MessageDescriptor> messages, IEnumerable<EnumDescriptor> enums, string name)
    {
        if (enums.FirstOrDefault(e => e.FullName == name) is { } found)
        {
            return found;
        }

        foreach (var message in messages)
        {
            // Only a prefix of the name can hold it: skip the subtrees that cannot.
            if (message.FullName == name)
            {
                return message;
            }

            if (name.StartsWith(message.FullName + ".", StringComparison.Ordinal) && Find(message.NestedTypes, message.EnumTypes, name) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(line => line + Environment.NewLine));
}
