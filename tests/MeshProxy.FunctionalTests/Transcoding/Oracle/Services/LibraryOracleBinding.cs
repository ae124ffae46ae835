using Google.Protobuf.Reflection;
using Grpc.Core;
using MeshProxy.Testing.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>
/// LibraryService's generated binding, through <see cref="MicrosoftBindingFilter"/>. grpc-dotnet finds it by the
/// <see cref="BindServiceMethodAttribute"/> on <see cref="LibraryOracleService"/> and Microsoft's transcoder reads
/// the service's descriptor from <see cref="Descriptor"/> here, as it would on the generated class. The service
/// parameter is the generated base, because grpc-dotnet resolves each handler as an override declared on that type.
/// </summary>
internal static class LibraryOracleBinding
{
    public static ServiceDescriptor Descriptor => LibraryService.Descriptor;

    public static void BindService(ServiceBinderBase binder, LibraryService.LibraryServiceBase service) =>
        LibraryService.BindService(MicrosoftBindingFilter.For(binder), service);
}
