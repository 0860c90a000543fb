import { Create } from 'react-admin';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { ProductForm } from './ProductForm.js';

/** After creating, the edit page: that is where stock is imported and limits are set. */
export const ProductCreate = () => {
  const onSuccess = useSaveSuccess('products', 'created', 'edit');
  return (
    <Create mutationOptions={{ onSuccess }}>
      <ProductForm />
    </Create>
  );
};
