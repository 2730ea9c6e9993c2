using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Communication.StatusPages;

namespace Lifeboat.Server.Communication;

/// <summary>
/// The rendered status page, held in memory and served at <c>/status/</c> ahead of everything that needs the database or a
/// session. The folder stays the truth: whoever renders it (this server on a publish, the CLI, a restore of the folder), each
/// request looks at the file's time and size, and only a changed file is read again. So a publish is served at once, and a
/// crowd costs a stat per request, no read.
/// </summary>
internal sealed class StatusPageFiles
{
    private const string CacheControl = "public, max-age=5";

    private static readonly FrozenDictionary<string, string> Served = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [StatusPageWriter.Html] = "text/html; charset=utf-8",
        [StatusPageWriter.Json] = "application/json; charset=utf-8",
        [StatusPageWriter.Atom] = "application/atom+xml; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly string _folder;
    private readonly ConcurrentDictionary<string, HeldFile> _held = new(StringComparer.Ordinal);

    public StatusPageFiles(string folder)
    {
        _folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(_folder);
    }

    /// <summary>Answers a request for one of the status page's files; any other request goes on down the pipeline.</summary>
    public Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments(CommunicationOptions.StatusPath, StringComparison.OrdinalIgnoreCase, out var rest)
            || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            return next(context);
        }

        if (!rest.HasValue)
        {
            // As a static site does: the page's relative links resolve under /status/.
            context.Response.Redirect($"{request.PathBase}{CommunicationOptions.StatusPath}/{request.QueryString}");
            return Task.CompletedTask;
        }

        var name = rest.Value == "/" ? StatusPageWriter.Html : rest.Value![1..];
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (!Served.TryGetValue(name, out var type) || Find(name, type) is not { } file)
        {
            // Nothing else lives under /status/: an unknown file is not found, not a question of who asks.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return HttpMethods.IsHead(request.Method) ? Task.CompletedTask
                : context.Response.WriteAsync($"The status page has index.html, index.json and feed.atom under {CommunicationOptions.StatusPath}/; '{name}' is none of them.", context.RequestAborted);
        }

        var response = context.Response;
        var headers = response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = file.ETag;
        headers.LastModified = file.LastModified;
        if (request.Headers.IfNoneMatch == file.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = file.ContentType;
        response.ContentLength = file.Bytes.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(file.Bytes, context.RequestAborted).AsTask();
    }

    /// <summary>The held copy of a file while the file on disk has its time and size; otherwise the file read again (a stat per request, as a plain web server does).</summary>
    private HeldFile? Find(string name, string type)
    {
        var info = new FileInfo(Path.Combine(_folder, name));
        if (!info.Exists)
        {
            return null;
        }

        if (_held.TryGetValue(name, out var held) && held.Modified == info.LastWriteTimeUtc && held.Bytes.Length == info.Length)
        {
            return held;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(info.FullName);
        }
        catch (FileNotFoundException)
        {
            return held; // replaced at this instant: the next request reads the new one
        }

        var file = new HeldFile(bytes, type, info.LastWriteTimeUtc,
            $"\"{info.LastWriteTimeUtc.Ticks.ToString("x", CultureInfo.InvariantCulture)}-{bytes.Length.ToString("x", CultureInfo.InvariantCulture)}\"",
            info.LastWriteTimeUtc.ToString("R", CultureInfo.InvariantCulture));
        _held[name] = file;
        return file;
    }

    private sealed record HeldFile(byte[] Bytes, string ContentType, DateTime Modified, string ETag, string LastModified);
}
