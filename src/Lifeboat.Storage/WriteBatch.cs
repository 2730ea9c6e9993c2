using System.Text.Json;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// Writes to one tenant that commit together, at one commit position, in one round trip. The
/// platform adds its own statements (an outbox row, say) to commit atomically with the tenant's data.
/// </summary>
public sealed class WriteBatch
{
    private readonly JsonSerializerOptions _json;
    private readonly HashSet<(string Collection, string Id)> _seen = [];

    internal WriteBatch(TenantId tenant, JsonSerializerOptions json)
    {
        Tenant = tenant;
        _json = json;
    }

    public TenantId Tenant { get; }

    internal List<PendingPut> Puts { get; } = [];

    internal List<(string Collection, string Id)> Deletes { get; } = [];

    internal List<NpgsqlBatchCommand> Extra { get; } = [];

    public int Count => Puts.Count + Deletes.Count;

    public WriteBatch Put(CollectionDefinition collection, string id, JsonElement document)
    {
        ArgumentNullException.ThrowIfNull(collection);
        if (document.ValueKind != JsonValueKind.Object)
        {
            throw new StoreConfigurationException(
                $"record '{id}' of '{collection.Name}' must be a JSON object, not {document.ValueKind.ToString().ToLowerInvariant()}.");
        }

        Claim(collection.Name, id);
        Puts.Add(new PendingPut(collection, id, document.GetRawText(), collection.KeysOf(document), null));
        return this;
    }

    public WriteBatch Put<T>(CollectionDefinition collection, string id, T value) =>
        Put(collection, id, JsonSerializer.SerializeToElement(value, _json));

    /// <summary>A record that carries blob content already stored with <see cref="BlobStore.StoreContentAsync"/>.</summary>
    public WriteBatch PutBlob(CollectionDefinition collection, string id, BlobReference blob, JsonElement metadata)
    {
        ArgumentNullException.ThrowIfNull(blob);
        Put(collection, id, metadata);
        Puts[^1] = Puts[^1] with { Blob = blob };
        return this;
    }

    public WriteBatch Delete(string collection, string id)
    {
        Claim(Identifiers.CollectionName(collection), id);
        Deletes.Add((collection, id));
        return this;
    }

    /// <summary>Adds a statement (the platform's outbox or directory row) that commits in the same transaction, after the writes.</summary>
    internal WriteBatch Include(NpgsqlBatchCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Extra.Add(command);
        return this;
    }

    private void Claim(string collection, string id)
    {
        Identifiers.RecordId(id);
        if (!_seen.Add((collection, id)))
        {
            throw new StoreConfigurationException(
                $"record '{id}' of '{collection}' appears twice in one batch; write each record once per batch.");
        }
    }

    internal sealed record PendingPut(CollectionDefinition Collection, string Id, string Json, string?[] Keys, BlobReference? Blob);
}
