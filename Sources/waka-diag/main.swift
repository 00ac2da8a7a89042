import DiagCore
