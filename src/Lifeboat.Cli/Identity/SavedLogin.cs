using System.Text.Json;
using Lifeboat.Platform;

namespace Lifeboat.Cli.Identity;

/// <summary>A login kept by `lifeboat login`: the server and the personal token the CLI talks to it with.</summary>
internal sealed record SavedLogin(string Server, string Token, string TokenId, string Login)
{
    public const string FileName = "credentials.json";

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathIn(CliEnvironment environment) => System.IO.Path.Combine(environment.ConfigFolder, FileName);

    /// <summary>The saved login, or null when there is none. A file that cannot be read is an error that says which file and what to do.</summary>
    public static SavedLogin? Read(CliEnvironment environment)
    {
        var path = PathIn(environment);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SavedLogin>(File.ReadAllText(path), Json) is { Server.Length: > 0, Token.Length: > 0 } saved
                ? saved
                : throw new JsonException();
        }
        catch (JsonException)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the saved login {path} is not one lifeboat wrote; remove it (lifeboat logout) and sign in again (lifeboat login --server URL).");
        }
    }

    /// <summary>
    /// Writes the login owner-only from the moment the file exists (the folder 0700, the file 0600
    /// at creation, never a chmod afterwards), so no other user can ever read the token. A login
    /// saved before is replaced by a new file, created the same way.
    /// </summary>
    public void Write(CliEnvironment environment)
    {
        Directory.CreateDirectory(environment.ConfigFolder, OwnerOnlyFolder);
        var path = PathIn(environment);
        var staging = path + ".new";
        File.Delete(staging);
        using (var stream = new FileStream(staging, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile }))
        {
            JsonSerializer.Serialize(stream, this, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(staging, path, overwrite: true);
    }

    public static bool Remove(CliEnvironment environment)
    {
        var path = PathIn(environment);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }
}
