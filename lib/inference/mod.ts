/** ONNX models (onnxruntime-web) and the batch scheduler every model call goes through. */
export * from "./onnx_model.ts";
export * from "./batch_scheduler.ts";
