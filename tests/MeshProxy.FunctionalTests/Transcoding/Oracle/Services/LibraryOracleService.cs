using Google.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Testing.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>meshproxy.testing.v1.LibraryService, answering with what it was sent (in <c>extra</c>, a theme or a status message).</summary>
[BindServiceMethod(typeof(LibraryOracleBinding), nameof(LibraryOracleBinding.BindService))]
internal sealed class LibraryOracleService : LibraryService.LibraryServiceBase
{
    public override Task<Book> GetBook(GetBookRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Name.Split('/')[^1]);
        return Task.FromResult(new Book { Name = request.Name, Title = "title of " + request.Name, Pages = 42, Extra = OracleEcho.Of(request) });
    }

    public override Task<SearchBooksResponse> SearchBooks(SearchBooksRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Query);
        return Task.FromResult(new SearchBooksResponse
        {
            Books = { new Book { Name = "shelves/s/books/1", Genre = request.Genre, Tags = { request.Tags }, Extra = OracleEcho.Of(request) }, new Book { Name = "shelves/s/books/2" } },
            NextPageToken = "next",
        });
    }

    /// <summary>page_size books (2 when unset); query <c>fail-NOT_FOUND</c> fails with that code after the first.</summary>
    public override async Task WatchBooks(SearchBooksRequest request, IServerStreamWriter<Book> responseStream, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Query);
        var count = request.PageSize == 0 ? 2 : request.PageSize;
        for (var i = 0; i < count; i++)
        {
            await responseStream.WriteAsync(new Book { Name = $"shelves/s/books/{i}", Pages = i, Extra = i == 0 ? OracleEcho.Of(request) : null });
            if (request.Query.StartsWith("fail-", StringComparison.Ordinal))
            {
                OracleEcho.ThrowIfAsked("status-" + request.Query["fail-".Length..]);
            }
        }
    }

    public override Task<Book> CreateBook(CreateBookRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.RequestId);
        var book = request.Book?.Clone() ?? new Book();
        book.Name = request.Parent + "/books/new";
        book.Extra = OracleEcho.Of(request);
        return Task.FromResult(book);
    }

    public override Task<Book> UpdateBook(UpdateBookRequest request, ServerCallContext context)
    {
        var book = request.Book?.Clone() ?? new Book();
        book.Extra = OracleEcho.Of(request);
        return Task.FromResult(book);
    }

    public override Task<Shelf> UpdateShelf(UpdateShelfRequest request, ServerCallContext context) =>
        Task.FromResult(new Shelf { Id = request.ShelfId, Theme = OracleEcho.Text(request) });

    public override Task<Book> SetTags(SetTagsRequest request, ServerCallContext context) =>
        Task.FromResult(new Book { Name = request.Name, Tags = { request.Tags }, Extra = OracleEcho.Of(request) });

    public override Task<Book> SetTitle(SetTitleRequest request, ServerCallContext context) =>
        Task.FromResult(new Book { Name = request.Name, Title = "[" + request.Title + "]" });

    public override Task<SetMetadataRequest> SetMetadata(SetMetadataRequest request, ServerCallContext context) => Task.FromResult(request);

    public override Task<Empty> CancelOperation(CancelOperationRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Reason);
        return Task.FromResult(new Empty());
    }

    public override Task<HttpBody> GetFile(GetFileRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Revision);
        return Task.FromResult(new HttpBody { ContentType = "text/plain", Data = ByteString.CopyFromUtf8($"{request.Path}@{request.Revision}") });
    }

    /// <summary>Empty has nothing to echo into: the status message carries what the service received.</summary>
    public override Task<Empty> UploadFile(UploadFileRequest request, ServerCallContext context)
    {
        if (request.Overwrite)
        {
            return Task.FromResult(new Empty());
        }

        var data = request.File?.Data.ToStringUtf8() ?? "<none>";
        throw new RpcException(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, $"path={request.Path} type={request.File?.ContentType} data={data}"));
    }

    public override Task<HttpBody> EchoRaw(HttpBody request, ServerCallContext context) =>
        Task.FromResult(new HttpBody { ContentType = string.IsNullOrEmpty(request.ContentType) ? "application/octet-stream" : request.ContentType, Data = request.Data });

    public override Task<CheckAccessResponse> CheckAccess(CheckAccessRequest request, ServerCallContext context) =>
        Task.FromResult(new CheckAccessResponse { Methods = { request.Resource, "GET", "OPTIONS" } });

    public override Task<PingRequest> Ping(PingRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Id);
        return Task.FromResult(request);
    }
}
