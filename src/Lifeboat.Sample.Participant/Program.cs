using Lifeboat.Sample.Participant;
using Lifeboat.Storage;

// The sample SaaS's search index, a participant in Lifeboat's restores. Configuration:
//   --urls http://127.0.0.1:PORT        where it listens (loopback only; default port 5090)
//   --Participant:Connection "…"        its own PostgreSQL database (required; never Lifeboat's)
//   --Participant:Blobs DIR             its store's blob directory
//   --Participant:SecretFile FILE       the signing secret Lifeboat printed at registration (read on every call,
//                                       so it can be written after the participant starts); or --Participant:Secret
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
if (string.IsNullOrEmpty(urls))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5090");
}
else if (urls.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Host != "127.0.0.1") is { } open)
{
    await Console.Error.WriteLineAsync($"'{open}' is not a 127.0.0.1 address: this sample listens on the loopback interface only.");
    return 2;
}

var connection = builder.Configuration["Participant:Connection"];
if (string.IsNullOrEmpty(connection))
{
    await Console.Error.WriteLineAsync("Participant:Connection is required: a PostgreSQL connection string to a database of the search index's own.");
    return 2;
}

var secretFile = builder.Configuration["Participant:SecretFile"] is { Length: > 0 } f ? Path.GetFullPath(f) : null;
var fixedSecret = builder.Configuration["Participant:Secret"] is { Length: > 0 } fixedValue ? fixedValue : null;
if (secretFile is null && fixedSecret is null)
{
    await Console.Error.WriteLineAsync(
        "Participant:SecretFile (or Participant:Secret) is required: every call from Lifeboat is signed, and this participant verifies it with the secret printed when it was registered.");
    return 2;
}

string? Secret() => fixedSecret ?? (File.Exists(secretFile) ? File.ReadAllText(secretFile).Trim() : null);

SearchIndex opened;
try
{
    opened = await SearchIndex.OpenAsync(connection,
        builder.Configuration["Participant:Blobs"] is { Length: > 0 } blobs ? blobs : Path.Combine(Path.GetTempPath(), "lifeboat-sample-search-blobs"),
        // The owner role's connection, which migrates the index's schema; the index itself runs as the application role.
        builder.Configuration["Participant:OwnerConnection"] is { Length: > 0 } owner ? owner : null);
}
catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException or Lifeboat.Storage.StoreException)
{
    await Console.Error.WriteLineAsync($"The search index cannot open its store: {e.Message}");
    return 2;
}

await using var index = opened;
builder.Services.AddSingleton(index);
builder.Services.AddProblemDetails();

var app = builder.Build();
// The store's deliberate errors keep their message: a deleted site, a site being restored, a bad ID.
app.Use(async (http, next) =>
{
    try
    {
        await next(http);
    }
    catch (StoreException e)
    {
        var status = e switch
        {
            TenantNotFoundException => StatusCodes.Status404NotFound,
            TenantStateException or RestoreInProgressException => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        await Results.Problem(e.Message, statusCode: status).ExecuteAsync(http);
    }
});
// Only Lifeboat calls the protocol: every call must carry its signature (docs/participants.md).
var signatures = new SignatureCheck(Secret, TimeProvider.System);
app.UseWhen(http => http.Request.Path.StartsWithSegments("/lifeboat"), branch => branch.Use((http, next) => signatures.InvokeAsync(http, () => next(http))));
app.MapSearchEndpoints();
app.MapLifeboatEndpoints();
await app.RunAsync();
return 0;
