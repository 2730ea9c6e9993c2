using System.Globalization;

namespace Lifeboat.Storage.Hosting;

/// <summary>Finds the PostgreSQL server programs (initdb, pg_ctl) of this machine.</summary>
public static class PostgresBinaries
{
    public const string NotInstalledMessage =
        "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them (Debian/Ubuntu: `apt-get install postgresql`; " +
        "the README's set-up command does it for you), set LIFEBOAT_PG_BIN to their folder, or set LIFEBOAT_CONNECTION to use an existing server.";

    /// <summary>The folder holding initdb and pg_ctl, or null when PostgreSQL is not installed.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("LIFEBOAT_PG_BIN") is { Length: > 0 } configured)
        {
            return HasServer(configured) ? configured : null;
        }

        // Debian and Ubuntu keep each major version apart; take the newest.
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var newest = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => HasServer(d.Dir))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return newest.Dir;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/local/pgsql/bin"))
        {
            if (HasServer(dir))
            {
                return dir;
            }
        }

        return null;
    }

    private static bool HasServer(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
}
