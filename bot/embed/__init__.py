"""Passages and questions to vectors: the model, its ONNX runtime, and the batching in
front of it."""
