using Npgsql;

namespace Lifeboat.Storage.Internal;

/// <summary>The settings the database itself enforces, written by the owner role when a store opens with it.</summary>
internal static class Settings
{
    /// <summary>The retention window the removal functions hold every caller to (0007_roles.sql).</summary>
    public static async Task ApplyAsync(NpgsqlDataSource owner, StoreOptions options, CancellationToken ct)
    {
        await using var cmd = owner.CreateCommand("UPDATE lifeboat.settings SET retention_window = $1 WHERE retention_window IS DISTINCT FROM $1");
        cmd.Parameters.Add(new() { Value = options.RetentionWindow });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
