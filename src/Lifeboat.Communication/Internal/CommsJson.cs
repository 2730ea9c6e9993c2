using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifeboat.Communication.Internal;

internal static class CommsJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
