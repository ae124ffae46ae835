namespace MeshProxy.Transcoding.Rest;

/// <summary>Why a streamed request body was refused part way: the HTTP status (400 or 413) and a message with the JSON path.</summary>
internal sealed record RequestBodyError(int HttpStatus, string Message);
