using Npgsql;

namespace Lifeboat.Storage.Internal;

/// <summary>
/// The one place the store says, in SQL, "this version had committed at the recovery point".
/// A position point selects the transactions with a position at or below it. A time point selects
/// the transactions that had committed by then: a version's stamp is taken before its transaction
/// commits, so a stamp at or before the time is necessary but not enough, and the commit log
/// (lifeboat.commits, one row per write transaction, stamped when it commits) rules out the
/// transactions that committed after it.
/// </summary>
internal static class PointSql
{
    /// <summary>
    /// A predicate that holds when the version with these position and stamp columns had committed
    /// at the point bound to <paramref name="parameter"/> (see <see cref="Parameter"/>). The columns
    /// must be qualified by their table's alias: the commit log has a position column too.
    /// <paramref name="commitLogs"/> names the tables that record commit times (an import adds the
    /// one it is staging).
    /// </summary>
    public static string Committed(RecoveryPoint point, string position, string stamp, string parameter, params string[] commitLogs)
    {
        if (!position.Contains('.', StringComparison.Ordinal) || !stamp.Contains('.', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"qualify '{position}' and '{stamp}' with their table's alias.");
        }

        if (point.Position is not null)
        {
            return $"{position} <= {parameter}";
        }

        var logs = commitLogs.Length == 0 ? ["lifeboat.commits"] : commitLogs;
        var later = string.Join(" AND ", logs.Select(log =>
            $"NOT EXISTS (SELECT 1 FROM {log} k WHERE k.position = {position} AND k.committed_at > {parameter})"));
        return $"({stamp} <= {parameter} AND {later})";
    }

    /// <summary>The same predicate over a table alias's own position and stamp columns.</summary>
    public static string Committed(RecoveryPoint point, string alias, string parameter) =>
        Committed(point, $"{alias}.position", $"{alias}.stamp", parameter);

    /// <summary>The point's value, for the parameter the predicate names.</summary>
    public static NpgsqlParameter Parameter(RecoveryPoint point) =>
        point.Position is { } p ? new NpgsqlParameter { Value = p } : new NpgsqlParameter { Value = point.Time!.Value };

    /// <summary>The point's value as a plain object, for callers that add parameters by value.</summary>
    public static object Value(RecoveryPoint point) => point.Position is { } p ? p : point.Time!.Value;
}
