namespace MeshProxy.Transcoding.Rules;

/// <summary>Why a REST request could not become a request message: 400 (bad input) or 415 (unsupported body
/// content type). <see cref="Message"/> names the JSON path or parameter at fault.</summary>
internal sealed record RequestBuildError(int HttpStatus, string Message)
{
    public static RequestBuildError BadRequest(string message) => new(400, message);
}
