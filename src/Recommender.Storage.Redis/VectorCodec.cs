using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Recommender.Storage.Redis;

/// <summary>Vectors as compact binary: float32, little-endian, no header (the length is the byte count / 4).</summary>
public static class VectorCodec
{
    public static byte[] Encode(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"A vector of {bytes.Length} bytes is not a whole number of float32 values.");
        }
        var vector = new float[bytes.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }
        return vector;
    }
}
