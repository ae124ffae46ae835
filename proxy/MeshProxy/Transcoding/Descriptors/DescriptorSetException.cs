namespace MeshProxy.Transcoding.Descriptors;

/// <summary>
/// A descriptor set could not be loaded: it is not a <c>FileDescriptorSet</c>, misses an import, or its files
/// do not link. Thrown at load time only (startup or config reload), never on the request path.
/// </summary>
internal sealed class DescriptorSetException : Exception
{
    public DescriptorSetException(string message)
        : base(message)
    {
    }

    public DescriptorSetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
